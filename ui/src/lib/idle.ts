/**
 * Watches keyboard and mouse activity for two reasons:
 * - after `idleMs` without activity the session must lock (Safeguards Rule: an unattended desk
 *   must not show customer data), and
 * - while the user is active Rust must hear from us now and then, or its own idle timer (which
 *   only sees commands) would lock a person who is typing a long form. `heartbeatMs` spaces
 *   those heartbeats (COMMANDS.md: at most once a minute).
 */
export interface ActivityOptions {
  idleMs: number;
  heartbeatMs: number;
  onIdle: () => void;
  onHeartbeat: () => void;
  now?: () => number;
}

export class ActivityMonitor {
  private readonly opts: ActivityOptions;
  private readonly now: () => number;
  private lastActivity: number;
  private lastHeartbeat: number;
  private idleFired = false;

  constructor(opts: ActivityOptions) {
    this.opts = opts;
    this.now = opts.now ?? (() => Date.now());
    this.lastActivity = this.now();
    this.lastHeartbeat = this.lastActivity;
  }

  /** Call on every user input event. */
  activity(): void {
    const t = this.now();
    this.lastActivity = t;
    this.idleFired = false;
    if (t - this.lastHeartbeat >= this.opts.heartbeatMs) {
      this.lastHeartbeat = t;
      this.opts.onHeartbeat();
    }
  }

  /** Call periodically; fires onIdle once per idle stretch. */
  tick(): void {
    if (!this.idleFired && this.now() - this.lastActivity >= this.opts.idleMs) {
      this.idleFired = true;
      this.opts.onIdle();
    }
  }

  /** After unlock or sign-in: the clock starts again. */
  reset(): void {
    this.lastActivity = this.now();
    this.lastHeartbeat = this.lastActivity;
    this.idleFired = false;
  }
}

const EVENTS = ['keydown', 'mousedown', 'mousemove', 'wheel', 'touchstart'] as const;

/** Attaches an ActivityMonitor to the window; returns the cleanup. */
export function watchActivity(
  target: Window,
  opts: ActivityOptions,
  tickMs = 5000,
): { monitor: ActivityMonitor; stop: () => void } {
  const monitor = new ActivityMonitor(opts);
  const onEvent = () => monitor.activity();
  for (const e of EVENTS) target.addEventListener(e, onEvent, { passive: true, capture: true });
  const timer = setInterval(() => monitor.tick(), tickMs);
  return {
    monitor,
    stop: () => {
      clearInterval(timer);
      for (const e of EVENTS) target.removeEventListener(e, onEvent, { capture: true });
    },
  };
}
