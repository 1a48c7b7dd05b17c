import type { PollClock } from '../../src/acme/poll.js';

/**
 * A clock whose sleeps end at once and move its time forward by what was asked: a test checks the waits a
 * polling loop chose (Retry-After, its schedule, a DNS check's deadline) without spending them. `waits` lists every sleep, in order.
 */
export function virtualClock(start = 0): PollClock & { waits: number[] } {
  let now = start;
  const waits: number[] = [];
  return {
    now: () => now,
    waits,
    sleep: async (ms, signal) => {
      signal?.throwIfAborted();
      waits.push(ms);
      now += ms;
      // Still a turn of the event loop, as a real timer is: the requests in flight get their answers.
      await new Promise<void>((resolve) => setImmediate(resolve));
    },
  };
}
