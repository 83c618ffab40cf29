import { call } from './ipc';
import type { HomeFigures } from './bindings';

export function homeFigures(): Promise<HomeFigures> {
  return call('home_figures');
}
