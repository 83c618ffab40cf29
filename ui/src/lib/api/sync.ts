import { call } from './ipc';
import type { ConflictView, SyncOverview, SyncReport } from './bindings';

/** Where sync with the hub stands, with this desk's enrolment (null when it works on its own). */
export function syncStatus(): Promise<SyncOverview> {
  return call('sync_status');
}

/** One sync run now (waits for a run already going on). */
export function syncNow(): Promise<SyncReport> {
  return call('sync_now');
}

/** The conflicts waiting for review, newest first (finance manager, admin: checked in Rust). */
export function syncConflicts(): Promise<ConflictView[]> {
  return call('sync_conflicts');
}

/** Marks a conflict reviewed with an optional note (audited). */
export function resolveSyncConflict(id: string, note: string): Promise<null> {
  return call('resolve_sync_conflict', { id, note });
}
