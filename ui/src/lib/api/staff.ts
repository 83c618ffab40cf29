import { call } from './ipc';
import type { NewStaff, StaffView } from './bindings';

export function listStaff(): Promise<StaffView[]> {
  return call('list_staff');
}

export function addStaff(input: NewStaff): Promise<StaffView> {
  return call('add_staff', { input });
}

export function setStaffDisabled(id: string, disabled: boolean): Promise<StaffView> {
  return call('set_staff_disabled', { id, disabled });
}

export function resetStaffMfa(id: string): Promise<StaffView> {
  return call('reset_staff_mfa', { id });
}

export function unlockStaff(id: string): Promise<StaffView> {
  return call('unlock_staff', { id });
}
