import '@testing-library/jest-dom/vitest';
import { afterEach } from 'vitest';

// DOM cleanup after each test comes from svelteTesting() in vite.config.ts. The app's
// module-level stores are reset here so no test sees another's state. They are imported
// lazily: a static import would load src/lib/api/ipc.ts before the test file's
// vi.mock('@tauri-apps/api/core') is in place, binding it to the real invoke.
afterEach(async () => {
  const [{ session }, { toasts }, { resetCustomerList }, { router }, { resetListState }] = await Promise.all([
    import('../lib/session.svelte'),
    import('../lib/toast.svelte'),
    import('../lib/customer-list.svelte'),
    import('../lib/router.svelte'),
    import('../lib/list-state.svelte'),
  ]);
  session.reset();
  toasts.clear();
  resetCustomerList();
  resetListState();
  history.replaceState(null, '', '/');
  router.route = { name: 'home' };
});
