import { call } from './ipc';
import type { OptionQuote, OptionTerms } from './bindings';

/**
 * Prices one option as the desk types (nothing stored): the same Rust pricing a saved deal
 * uses, under the usury cap of the customer's state. `index` (0–2) names error fields
 * `options.N.field`, like saving does.
 */
export function quoteDealOption(terms: OptionTerms, customerId: string | null, index: number): Promise<OptionQuote> {
  return call('quote_deal_option', { terms, customer_id: customerId, index });
}
