/** Calls slower than this show progress; faster ones would only make the screen flicker. */
export const PROGRESS_DELAY_MS = 200;

const state = $state({ visible: 0 });

/** True while at least one IPC call has been running for more than PROGRESS_DELAY_MS. */
export const progress = {
  get busy(): boolean {
    return state.visible > 0;
  },
};

/** Starts tracking one call; call the returned function when it settles. */
export function trackProgress(): () => void {
  let shown = false;
  let finished = false;
  const timer = setTimeout(() => {
    if (!finished) {
      shown = true;
      state.visible += 1;
    }
  }, PROGRESS_DELAY_MS);
  return () => {
    finished = true;
    clearTimeout(timer);
    if (shown) state.visible -= 1;
  };
}
