/**
 * What the customer list was showing, kept outside the component so that going to a customer
 * and back returns to the same search or page (a desk flips between list and record all day).
 */
export const PAGE_SIZE = 50;

export const customerList = $state({
  query: '',
  offset: 0,
  selected: 0,
});

export function resetCustomerList(): void {
  customerList.query = '';
  customerList.offset = 0;
  customerList.selected = 0;
}
