import { call } from './ipc';
import type { Channel, DeskLink, IssueLink, LinkView, SavedFile } from './bindings';

/**
 * Issues a temporary access link (verified customers only; Rust checks) and queues it by the
 * chosen channels. The URL inside holds the token and is never given again.
 */
export function issueLink(input: IssueLink, send: Channel[]): Promise<DeskLink> {
  return call('issue_link', { input, send });
}

export function listLinks(customerId: string): Promise<LinkView[]> {
  return call('list_links', { customer_id: customerId });
}

export function revokeLink(id: string): Promise<LinkView> {
  return call('revoke_link', { id });
}

/** A `remote_signing` link for one contract document (the buyer signs on their phone). */
export function issueRemoteSigningLink(customerId: string, documentId: string, send: Channel[]): Promise<DeskLink> {
  return call('issue_remote_signing_link', { customer_id: customerId, document_id: documentId, ttl_minutes: null, send });
}

/** The printable handout of a link just issued (its URL is still on screen). */
export function printLinkHandout(url: string): Promise<SavedFile> {
  return call('print_link_handout', { url });
}
