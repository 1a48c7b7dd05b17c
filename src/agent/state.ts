import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { writeFileAtomic } from '../state/atomic-write.js';
import { assertStateFolders } from '../state/safe-folder.js';

/** What the agent remembers about one certificate between cycles and restarts. */
export interface CertificateState {
  /** The metadata last seen from the manager (for `agent status` offline). */
  fingerprint?: string;
  expires?: string;
  serial?: string;
  encryption?: string;
  issuer?: string;
  domain?: string;
  name?: string;
  /** A 429 said to come back later: this certificate is left alone until then. */
  skipUntil?: string;
  skipReason?: string;
  lastError?: string;
  /** The certificate the manager sent that failed the issued-certificate check (its hash and the reason), so it is not asked for again. */
  refused?: { fingerprint: string; message: string };
  /** Hashes of the key and certificate last found to pair (never the key itself): unchanged, they need no new check. */
  pairChecked?: string;
  /** The deployedStamp of the files when a cycle last found them in order with nothing to change: unchanged, they are not read again. */
  deployed?: string;
  /** What the deployed certificate file says, for the expiry metric, keyed by the file's hash. */
  parsed?: { fingerprint: string; notAfter: string; serialHex: string };
}

export interface AgentState {
  configPath: string;
  owner?: string;
  /** The id of the token the owner was learnt with (never the secret). */
  ownerTokenId?: string;
  lastSyncAt?: string;
  lastSuccessfulSyncAt?: string;
  lastError?: { at: string; message: string };
  certificates: Record<string, CertificateState>;
  /** `delay_before_delete`: when each removed certificate may be deleted; on disk so a restart does not reset it. */
  pendingDeletes: Record<string, string>;
}

/**
 * Where a new certificate key waits while the manager at `managerUrl` issues for it (pending-keys.ts): one
 * folder per manager, shared by every agent configuration and `manager request` that talk to it, so whichever
 * of them asks again for a certificate finds the key an interrupted attempt left, while a certificate of the
 * same name at another manager never gets (nor deletes) that key. Throws STATE when a folder on the way is
 * not ours alone.
 */
export async function pendingKeyFolder(stateHome: string, managerUrl: string): Promise<string> {
  const perManager = shortDigest(managerUrl);
  // Each folder on the way is one only we control: keys are written there.
  await assertStateFolders(stateHome, `agent/pending-keys/${perManager}`);
  return join(stateHome, 'agent', 'pending-keys', perManager);
}

/** Where the agent state for a config file lives: one JSON file per config, under the state directory. */
export function agentStatePath(stateHome: string, configPath: string): string {
  const absolute = resolve(configPath);
  return join(stateHome, 'agent', `${shortDigest(absolute)}.json`);
}

/** A file or folder name standing for `text` (a manager URL, a config path): 16 hex digits of its SHA-256. */
function shortDigest(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

export async function readAgentState(path: string, configPath: string): Promise<AgentState> {
  await assertStateFolders(dirname(dirname(path)), 'agent');
  try {
    const state = JSON.parse(await readFile(path, 'utf8')) as AgentState;
    return { ...state, certificates: state.certificates ?? {}, pendingDeletes: state.pendingDeletes ?? {} };
  } catch {
    // First run, or a damaged file: start empty; the manager is the source of truth.
    return { configPath: resolve(configPath), certificates: {}, pendingDeletes: {} };
  }
}

export async function writeAgentState(path: string, state: AgentState): Promise<void> {
  await assertStateFolders(dirname(dirname(path)), 'agent');
  await writeFileAtomic(path, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600, forceMode: true, dirMode: 0o700 });
}
