/** A signal that aborts after `timeoutMs` or when `outer` aborts, released with dispose(). */
export interface Deadline {
  signal: AbortSignal;
  /** True when the time ran out (not when `outer` aborted). */
  readonly timedOut: boolean;
  dispose(): void;
}

/**
 * Why not AbortSignal.timeout + AbortSignal.any: their timers and listeners live
 * until the timeout fires (minutes), so a daemon making requests every few
 * milliseconds holds thousands of them. This one is cleared when the request ends.
 */
export function startDeadline(timeoutMs: number, outer?: AbortSignal): Deadline {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new Error(`timed out after ${timeoutMs} ms`));
  }, timeoutMs);
  const onOuterAbort = () => controller.abort(outer?.reason);
  if (outer?.aborted) onOuterAbort();
  else outer?.addEventListener('abort', onOuterAbort, { once: true });
  return {
    signal: controller.signal,
    get timedOut() {
      return timedOut;
    },
    dispose() {
      clearTimeout(timer);
      outer?.removeEventListener('abort', onOuterAbort);
    },
  };
}
