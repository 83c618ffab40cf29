import { call } from './ipc';
import type { Licence } from './bindings';

/** Reads a licence barcode's text (as a 2D scanner typed it). Nothing is stored. */
export function scanLicence(payload: string): Promise<Licence> {
  return call('scan_licence', { payload });
}
