import { call } from './ipc';
import type { AuditFilter, AuditPage, AuditVerifyReport } from './bindings';

export function listAudit(filter: AuditFilter): Promise<AuditPage> {
  return call('list_audit', { filter });
}

export function verifyAudit(): Promise<AuditVerifyReport> {
  return call('verify_audit');
}
