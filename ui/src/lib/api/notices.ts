import { call } from './ipc';
import type { DeliveryMethod, NoticeDue, NoticeView, SavedFile } from './bindings';

/** Adverse-action notices, soonest due first; `pendingOnly` leaves out the delivered ones. */
export function listAdverseNotices(pendingOnly: boolean): Promise<NoticeDue[]> {
  return call('list_adverse_notices', { pending_only: pendingOnly });
}

export function applicationNotices(applicationId: string): Promise<NoticeView[]> {
  return call('application_notices', { application_id: applicationId });
}

/** Writes the notice PDF to the exports folder; `open` starts the desktop's PDF viewer to print. */
export function saveAdverseNotice(id: string, open: boolean): Promise<SavedFile> {
  return call('save_adverse_notice', { id, open });
}

export function deliverAdverseNotice(id: string, method: DeliveryMethod): Promise<NoticeView> {
  return call('deliver_adverse_notice', { id, method });
}
