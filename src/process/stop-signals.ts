import { constants } from 'node:os';
import { AbortedError } from '../errors.js';

const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
/** After a stop signal, how long the run gets to clean up (solvers, hooks, locks) before the process exits anyway. */
const GRACE_MS = 5_000;

export interface StopSignals {
  /** Aborts at the first SIGINT, SIGTERM or SIGHUP. */
  readonly signal: AbortSignal;
  /** The signal that stopped the run, if one did. */
  stoppedBy(): NodeJS.Signals | undefined;
  /** Gives the signals back to Node's defaults. */
  release(): void;
}

/**
 * For the length of a cert issue/renew run, SIGINT, SIGTERM and SIGHUP stop it
 * cleanly: the first aborts the run (challenge responders close, hook process
 * groups are killed, the lineage lock is released, no version is committed),
 * and the process exits with 128+N at the latest GRACE_MS later, whatever it was
 * waiting for. A second signal exits at once.
 */
export function stopOnSignals(): StopSignals {
  const controller = new AbortController();
  let stoppedBy: NodeJS.Signals | undefined;
  const handler = (sig: NodeJS.Signals) => {
    const status = 128 + (constants.signals[sig] ?? 15);
    if (stoppedBy) process.exit(status);
    stoppedBy = sig;
    process.exitCode = status;
    controller.abort(new AbortedError(`stopped by ${sig}`));
    setTimeout(() => process.exit(status), GRACE_MS).unref();
  };
  for (const sig of STOP_SIGNALS) process.on(sig, handler);
  return {
    signal: controller.signal,
    stoppedBy: () => stoppedBy,
    release: () => {
      for (const sig of STOP_SIGNALS) process.off(sig, handler);
    },
  };
}

/** The exit status for a run stopped by `sig`: 128 + its number, as a shell reports it. */
export function signalExitStatus(sig: NodeJS.Signals): number {
  return 128 + (constants.signals[sig] ?? 15);
}
