import { describe, expect, it, vi } from 'vitest';
import { ActivityMonitor } from '../lib/idle';

function monitor(idleMs = 10 * 60_000, heartbeatMs = 60_000) {
  let now = 0;
  const onIdle = vi.fn();
  const onHeartbeat = vi.fn();
  const m = new ActivityMonitor({ idleMs, heartbeatMs, onIdle, onHeartbeat, now: () => now });
  return { m, onIdle, onHeartbeat, at: (t: number) => (now = t) };
}

describe('the activity monitor', () => {
  it('locks once after the idle time without input', () => {
    const { m, onIdle, at } = monitor();
    at(9 * 60_000);
    m.tick();
    expect(onIdle).not.toHaveBeenCalled();
    at(10 * 60_000);
    m.tick();
    m.tick();
    expect(onIdle).toHaveBeenCalledTimes(1);
  });

  it('does not lock while the user keeps working', () => {
    const { m, onIdle, at } = monitor();
    for (let t = 0; t <= 30 * 60_000; t += 60_000) {
      at(t);
      m.activity();
      m.tick();
    }
    expect(onIdle).not.toHaveBeenCalled();
  });

  it('sends at most one heartbeat a minute however busy the mouse is', () => {
    const { m, onHeartbeat, at } = monitor();
    for (let t = 0; t <= 150_000; t += 100) {
      at(t);
      m.activity();
    }
    expect(onHeartbeat).toHaveBeenCalledTimes(2); // at 60 s and 120 s
  });
});
