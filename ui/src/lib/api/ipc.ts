import { invoke } from '@tauri-apps/api/core';
import type { CommandError } from './bindings';
import { describeError, isErrorCode, type ErrorCode, type ErrorOrigin } from './errors';
import { trackProgress } from '../progress.svelte';
import type { CommandArgs, CommandName, CommandReturns } from './commands';

export type { CommandName } from './commands';

/** `call`'s arguments after the name: none for a command without any, else its `args`. */
type ArgsOf<C extends CommandName> = keyof CommandArgs<C> extends never ? [] : [args: CommandArgs<C>];

/** A failed command, always with one of the closed codes. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly code: ErrorCode;
  /** Input field at fault, named like the Rust input struct (`family_name`, `address.zip`). */
  readonly field: string | null;
  /** Whether Rust sent it (a CommandError) or it arose in Tauri or the UI. */
  readonly origin: ErrorOrigin | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    field: string | null = null,
    origin?: ErrorOrigin,
  ) {
    super(message);
    this.code = code;
    this.field = field;
    this.origin = origin;
  }

  /** Text to show to staff (see describeError). */
  get userMessage(): string {
    return describeError(this.code, this.message, this.origin);
  }
}

function isCommandError(raw: unknown): raw is CommandError {
  if (typeof raw !== 'object' || raw === null) return false;
  const r = raw as Record<string, unknown>;
  return (
    isErrorCode(r['code']) &&
    typeof r['message'] === 'string' &&
    (r['field'] === undefined || r['field'] === null || typeof r['field'] === 'string')
  );
}

/**
 * Turns whatever `invoke` rejected with into an ApiError. Rust sends a CommandError; anything
 * else (a string from Tauri itself such as "command not found", a JS exception) is `internal`.
 */
export function toApiError(raw: unknown): ApiError {
  if (raw instanceof ApiError) return raw;
  if (isCommandError(raw)) return new ApiError(raw.code, raw.message, raw.field ?? null, 'rust');
  if (typeof raw === 'string') return new ApiError('internal', raw);
  if (raw instanceof Error) return new ApiError('internal', raw.message);
  return new ApiError('internal', 'Unexpected reply from the application core.');
}

type ErrorObserver = (error: ApiError, cmd: CommandName) => void;
const observers = new Set<ErrorObserver>();

/** Lets the session store react to session errors from any call. Returns an unsubscribe. */
export function observeErrors(observer: ErrorObserver): () => void {
  observers.add(observer);
  return () => observers.delete(observer);
}

/**
 * The one place that talks to Rust. Components use the typed functions in api/<domain>.ts.
 * Argument names and types and the answer's type come from commands.ts, generated from the
 * Rust commands: a wrapper that drifts from Rust is a type error.
 */
export async function call<C extends CommandName>(cmd: C, ...args: ArgsOf<C>): Promise<CommandReturns<C>> {
  const done = trackProgress();
  try {
    return await invoke<CommandReturns<C>>(cmd, args[0] ?? {});
  } catch (raw) {
    const error = toApiError(raw);
    for (const observer of observers) observer(error, cmd);
    throw error;
  } finally {
    done();
  }
}
