import { call } from './ipc';
import type {
  CustomerInput,
  CustomerPage,
  CustomerSummary,
  CustomerUpdate,
  CustomerView,
  PiiField,
} from './bindings';

export function searchCustomers(query: string, limit: number): Promise<CustomerSummary[]> {
  return call('search_customers', { query, limit });
}

export function listCustomers(offset: number, limit: number): Promise<CustomerPage> {
  return call('list_customers', { offset, limit });
}

export function getCustomer(id: string): Promise<CustomerView> {
  return call('get_customer', { id });
}

export function createCustomer(input: CustomerInput): Promise<CustomerView> {
  return call('create_customer', { input });
}

export function updateCustomer(id: string, input: CustomerUpdate): Promise<CustomerView> {
  return call('update_customer', { id, input });
}

/** Audited in Rust; sales gets `forbidden`. */
export function revealPii(customerId: string, field: PiiField): Promise<string> {
  return call('reveal_pii', { customer_id: customerId, field });
}
