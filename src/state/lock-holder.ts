import { readFileSync } from 'node:fs';

/**
 * Who holds a lock, written into the lock file: the PID alone cannot tell our
 * holder from an unrelated process that got the same PID after a kill -9 or a
 * reboot (PIDs are reused), so the process's start time (field 22 of
 * /proc/PID/stat, in clock ticks since boot) and the boot id go with it.
 */
export interface LockHolder {
  pid: number;
  /** /proc/PID/stat starttime; absent in locks written before it was recorded, or off Linux. */
  startTicks?: string;
  /** /proc/sys/kernel/random/boot_id. */
  bootId?: string;
}

/** What the system says about a PID now (read from /proc; injectable for tests). */
export interface ProcessProbe {
  isAlive(pid: number): boolean;
  startTicks(pid: number): string | undefined;
  /** When the process started, in ms since the epoch, to within a second. */
  startedAtMs(pid: number): number | undefined;
  bootId(): string | undefined;
}

export function formatLockHolder(holder: LockHolder): string {
  return `${holder.pid} ${holder.startTicks ?? '-'} ${holder.bootId ?? '-'}\n`;
}

/** Parses a lock file; a PID-only file (older acmecli) is still understood. Undefined when there is no PID (yet). */
export function parseLockHolder(text: string): LockHolder | undefined {
  const [pidText, startTicks, bootId] = text.trim().split(/\s+/);
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  return { pid, ...(startTicks && startTicks !== '-' ? { startTicks } : {}), ...(bootId && bootId !== '-' ? { bootId } : {}) };
}

/**
 * Whether the process named in a lock is still the one that took it. Not if it is
 * gone, if the machine rebooted since (boot id), if the PID now belongs to a
 * process that started at another time, or (a lock with no start time) if the
 * process started after the lock file was last written: a process cannot hold a
 * lock taken before it existed.
 */
export function lockHolderIsLive(holder: LockHolder, lockWrittenAtMs: number, probe: ProcessProbe): boolean {
  if (!probe.isAlive(holder.pid)) return false;
  const bootId = probe.bootId();
  if (holder.bootId && bootId && holder.bootId !== bootId) return false;
  if (holder.startTicks) {
    const now = probe.startTicks(holder.pid);
    return now === undefined || now === holder.startTicks;
  }
  const startedAt = probe.startedAtMs(holder.pid);
  // btime and the tick count are whole seconds and ticks: allow a second of slack.
  return startedAt === undefined || startedAt <= lockWrittenAtMs + 1_000;
}

/** The holder record of this process. */
export function currentLockHolder(probe: ProcessProbe = procProbe): LockHolder {
  const startTicks = probe.startTicks(process.pid);
  const bootId = probe.bootId();
  return { pid: process.pid, ...(startTicks ? { startTicks } : {}), ...(bootId ? { bootId } : {}) };
}

function readProc(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** Linux's USER_HZ: /proc reports times in these ticks on every architecture Node runs on. */
const TICKS_PER_SECOND = 100;

/** The probe over Linux's /proc; elsewhere only isAlive answers and the PID alone decides. */
export const procProbe: ProcessProbe = {
  isAlive(pid) {
    try {
      process.kill(pid, 0);
      return true;
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === 'EPERM';
    }
  },
  startTicks(pid) {
    const stat = readProc(`/proc/${pid}/stat`);
    if (!stat) return undefined;
    // "pid (comm) state ppid …": comm may hold spaces and parentheses, so count fields after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = fields[19]; // field 22 overall: starttime
    return ticks && /^\d+$/.test(ticks) ? ticks : undefined;
  },
  startedAtMs(pid) {
    const ticks = this.startTicks(pid);
    const btime = /^btime (\d+)$/m.exec(readProc('/proc/stat') ?? '')?.[1];
    if (!ticks || !btime) return undefined;
    return Number(btime) * 1000 + (Number(ticks) * 1000) / TICKS_PER_SECOND;
  },
  bootId() {
    return readProc('/proc/sys/kernel/random/boot_id')?.trim() || undefined;
  },
};
