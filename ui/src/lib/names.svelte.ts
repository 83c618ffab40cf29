import { call } from './api/ipc';
import type { StaffName } from './api/bindings';

/** Display names by audit actor (`staff:<username>`), from Rust's staff directory. */
const names = $state<Record<string, string>>({});

export const staffNames = {
  /** Loads the directory; a failure leaves the usernames showing (names are a nicety). */
  async load(): Promise<void> {
    try {
      staffNames.set(await call('staff_directory'));
    } catch {
      // Shown as usernames until the next load.
    }
  },
  set(list: readonly StaffName[]): void {
    for (const s of list) names[s.actor] = s.name;
  },
};

/**
 * Who an actor recorded on a row is, in words: the staff member's name, else the same words
 * Rust's `auth::actor_label` uses for the command line, the customer and the system.
 */
export function who(actor: string | null | undefined): string {
  if (!actor) return '';
  const known = names[actor];
  if (known) return known;
  if (actor.startsWith('cli:')) return `${actor.slice(4)} (command line)`;
  if (actor.startsWith('customer:') || actor.startsWith('portal:')) return 'the customer';
  if (actor === 'system') return 'DealerDesk';
  return actor.startsWith('staff:') ? actor.slice(6) : actor;
}
