/**
 * What the inventory and deal lists were showing, kept outside the components (as for the
 * customer list) so that opening a vehicle or a deal and coming back returns to the same
 * search, filters and page.
 */
import type { ApplicationState, DealStatus, OptionKind, VehicleCondition, VehicleStatus } from './api/bindings';

export const LIST_PAGE_SIZE = 50;

export const inventoryList = $state({
  query: '',
  status: 'in_stock' as VehicleStatus | 'all',
  condition: 'all' as VehicleCondition | 'all',
  offset: 0,
  selected: 0,
});

export const dealList = $state({
  query: '',
  status: 'open' as DealStatus | 'all',
  kind: 'all' as OptionKind | 'all',
  offset: 0,
  selected: 0,
});

export const applicationList = $state({
  query: '',
  state: 'all' as ApplicationState | 'all',
  offset: 0,
  selected: 0,
});

export function resetListState(): void {
  Object.assign(inventoryList, { query: '', status: 'in_stock', condition: 'all', offset: 0, selected: 0 });
  Object.assign(dealList, { query: '', status: 'open', kind: 'all', offset: 0, selected: 0 });
  Object.assign(applicationList, { query: '', state: 'all', offset: 0, selected: 0 });
}
