// What every phase of a sync cycle is handed (sync.ts builds it), and the few facts about one
// certificate that all phases need the same way: its log fields, its folder, its file modes.
import type { ManagerClient } from '../manager/client.js';
import type { ManagerCertificate } from '../manager/types.js';
import { backupPath, type VaultClient } from '../manager/vault.js';
import type { CertificateIdentity } from './config/paths.js';
import type { ClientConfig, CommonConfig } from './config/schema.js';
import type { DeployModes } from './deploy-files.js';
import type { Logger, LogFields } from './logger.js';
import type { AgentMetrics } from './metrics.js';
import type { AgentState, CertificateState } from './state.js';

export interface SyncDeps {
  config: ClientConfig;
  manager: ManagerClient;
  vault?: VaultClient | undefined;
  owner: string;
  metrics: AgentMetrics;
  log: Logger;
  env: Readonly<Record<string, string | undefined>>;
  state: AgentState;
  pullOnly: boolean;
  allowMassDelete: boolean;
  /** `--cleanup` in this cycle: orphan certificate files in certificate_dir are removed after the cycle's changes. */
  cleanup?: boolean;
  /** Where a new key waits (0600) while the manager issues for it: a crash then loses no key. */
  pendingKeyDir: string;
  now: () => Date;
  /** The certificate deployed this cycle, by certificate id: its fingerprint, and its text when it was read (saves a second read). */
  seenCertificates?: Map<string, { fingerprint: string; text?: string }>;
  /** Folders checked this cycle (checkInsideFolder) on the way to deployed files: see deployedStamp. */
  checkedFolders?: Set<string>;
  /** True once the agent is stopping (SIGTERM): work that only reports, such as the expiry alarm, is left out. */
  stopping?: () => boolean;
}

export interface CycleResult {
  /** False when the manager could not be reached or answered garbage: nothing was changed. */
  reachedManager: boolean;
  errors: string[];
  changedFiles: string[];
  created: number;
  updated: number;
  deleted: number;
}

/** The fields every log line about one certificate carries, with the owner (an unnamed certificate logs no name). */
export function logFields(owner: string, identity: CertificateIdentity): LogFields {
  return { domain: identity.domain, issuer: identity.issuer, name: identity.name, owner };
}

/** The labels of the per-certificate metrics, in their declared order (prom-client prints them as given). */
export function metricLabels(identity: CertificateIdentity): { issuer: string; name: string; domain: string } {
  return { issuer: identity.issuer, name: identity.name, domain: identity.domain };
}

/** The folder every file the agent writes or deletes must lie in ("" is the current folder, as for the Go client). */
export function certificateFolder(config: ClientConfig): string {
  return config.common.certificateDir || '.';
}

export function deployModes(common: CommonConfig): DeployModes {
  return { dirMode: common.certificateDirMode, fileMode: common.certificateFileMode, keyFileMode: common.certificateKeyFileMode };
}

/** Where a certificate's key and certificate are backed up in Vault (manager-contract.md §6.8). */
export function vaultBackupPath(deps: SyncDeps, identity: CertificateIdentity): string {
  return backupPath({ prefix: deps.config.vault.certificatePrefix, owner: deps.owner, issuer: identity.issuer, domain: identity.domain, ...(identity.name ? { name: identity.name } : {}) });
}

/** The certificate's state entry, made on first use. */
export function stateOf(deps: SyncDeps, id: string): CertificateState {
  return (deps.state.certificates[id] ??= {});
}

/** What the manager said about a certificate now deployed, kept for `agent status` offline. */
export function rememberMetadata(entry: CertificateState, server: ManagerCertificate): void {
  Object.assign(entry, {
    issuer: server.issuer,
    domain: server.domain,
    ...(server.name ? { name: server.name } : {}),
    ...(server.fingerprint ? { fingerprint: server.fingerprint } : {}),
    ...(server.expires ? { expires: server.expires } : {}),
    ...(server.serial ? { serial: server.serial } : {}),
    ...(server.encryption ? { encryption: server.encryption } : {}),
  });
}
