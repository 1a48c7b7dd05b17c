/** Exit statuses, documented in docs/reference/exit-status.md. */
export const EXIT = {
  ok: 0,
  /** The CA refused, a key or file is bad, a hook failed: anything that retrying as is will not fix. */
  failure: 1,
  /** Bad arguments or options. */
  usage: 2,
  /** The CA could not be reached or did not answer in time: worth retrying later (cron). */
  unreachable: 3,
} as const;
