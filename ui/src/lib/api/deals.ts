import { call } from './ipc';
import type { DealFilter, DealInput, DealPage, DealView } from './bindings';

export function listDeals(filter: DealFilter): Promise<DealPage> {
  return call('list_deals', { filter });
}

export function getDeal(id: string): Promise<DealView> {
  return call('get_deal', { id });
}

/** Rust prices every option from its terms; the figures in the answer are the stored ones. */
export function saveDeal(input: DealInput): Promise<DealView> {
  return call('save_deal', { input });
}

export function updateDeal(id: string, input: DealInput): Promise<DealView> {
  return call('update_deal', { id, input });
}
