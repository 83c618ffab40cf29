/**
 * A hash router small enough to read in one go: the app has a dozen screens and no deep links
 * from outside, so a library would add weight for nothing.
 */
export type Route =
  | { name: 'home' }
  | { name: 'customers' }
  | { name: 'customer_new' }
  | { name: 'customer'; id: string }
  | { name: 'customer_edit'; id: string }
  | { name: 'inventory' }
  | { name: 'vehicle_new' }
  | { name: 'vehicle_edit'; id: string }
  | { name: 'deals' }
  | { name: 'deal_new'; customerId?: string | undefined }
  | { name: 'deal'; id: string }
  | { name: 'applications' }
  | { name: 'application_new'; dealId: string }
  | { name: 'application'; id: string }
  | { name: 'application_edit'; id: string }
  | { name: 'pipeline' }
  | { name: 'contract_sign'; id: string }
  | { name: 'analytics' }
  | { name: 'audit' }
  | { name: 'staff' }
  | { name: 'sync_conflicts' };

export function parseHash(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  const [first, second, third] = parts;
  switch (first) {
    case 'customers':
      if (second === 'new') return { name: 'customer_new' };
      if (second && third === 'edit') return { name: 'customer_edit', id: second };
      if (second) return { name: 'customer', id: second };
      return { name: 'customers' };
    case 'inventory':
      if (second === 'new') return { name: 'vehicle_new' };
      if (second && third === 'edit') return { name: 'vehicle_edit', id: second };
      return { name: 'inventory' };
    case 'deals':
      if (second === 'new') return third ? { name: 'deal_new', customerId: third } : { name: 'deal_new' };
      if (second) return { name: 'deal', id: second };
      return { name: 'deals' };
    case 'applications':
      if (second === 'new' && third) return { name: 'application_new', dealId: third };
      if (second && second !== 'new' && third === 'edit') return { name: 'application_edit', id: second };
      if (second && second !== 'new') return { name: 'application', id: second };
      return { name: 'applications' };
    case 'pipeline':
      return { name: 'pipeline' };
    case 'contracts':
      return second && third === 'sign' ? { name: 'contract_sign', id: second } : { name: 'deals' };
    case 'analytics':
      return { name: 'analytics' };
    case 'audit':
      return { name: 'audit' };
    case 'staff':
      return { name: 'staff' };
    case 'sync':
      return { name: 'sync_conflicts' };
    default:
      return { name: 'home' };
  }
}

export function hrefFor(route: Route): string {
  switch (route.name) {
    case 'home':
      return '#/';
    case 'customers':
      return '#/customers';
    case 'customer_new':
      return '#/customers/new';
    case 'customer':
      return `#/customers/${encodeURIComponent(route.id)}`;
    case 'customer_edit':
      return `#/customers/${encodeURIComponent(route.id)}/edit`;
    case 'inventory':
      return '#/inventory';
    case 'vehicle_new':
      return '#/inventory/new';
    case 'vehicle_edit':
      return `#/inventory/${encodeURIComponent(route.id)}/edit`;
    case 'deals':
      return '#/deals';
    case 'deal_new':
      return route.customerId ? `#/deals/new/${encodeURIComponent(route.customerId)}` : '#/deals/new';
    case 'deal':
      return `#/deals/${encodeURIComponent(route.id)}`;
    case 'applications':
      return '#/applications';
    case 'application_new':
      return `#/applications/new/${encodeURIComponent(route.dealId)}`;
    case 'application':
      return `#/applications/${encodeURIComponent(route.id)}`;
    case 'application_edit':
      return `#/applications/${encodeURIComponent(route.id)}/edit`;
    case 'pipeline':
      return '#/pipeline';
    case 'contract_sign':
      return `#/contracts/${encodeURIComponent(route.id)}/sign`;
    case 'analytics':
      return '#/analytics';
    case 'audit':
      return '#/audit';
    case 'staff':
      return '#/staff';
    case 'sync_conflicts':
      return '#/sync/conflicts';
  }
}

class Router {
  route = $state<Route>(parseHash(typeof location === 'undefined' ? '' : location.hash));

  go(route: Route): void {
    this.route = route;
    const href = hrefFor(route);
    if (location.hash !== href) history.pushState(null, '', href);
  }

  /** Follows the browser's back/forward; returns the cleanup. */
  listen(): () => void {
    const sync = () => {
      this.route = parseHash(location.hash);
    };
    sync();
    window.addEventListener('hashchange', sync);
    window.addEventListener('popstate', sync);
    return () => {
      window.removeEventListener('hashchange', sync);
      window.removeEventListener('popstate', sync);
    };
  }
}

export const router = new Router();
