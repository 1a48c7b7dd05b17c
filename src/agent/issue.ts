// The create/update phase: the manager issues a certificate for a key made (or kept) on this host,
// and what it sends is checked, backed up and deployed. The core (askManagerToIssue, deployIssued)
// is also `manager request`'s, so both keep the pending-key protection: the key is saved before the
// POST or PUT and used again after a failed one, and a certificate is never issued to a key we lost.
import { createPrivateKey } from 'node:crypto';
import { newCertificateKey } from '../certs/cert-key-types.js';
import type { ManagerClient } from '../manager/client.js';
import { ManagerError } from '../manager/manager-error.js';
import type { CertMap, ManagerCertificate, UpdateCertificateParams } from '../manager/types.js';
import { certificateId, certificatePaths, identityOf, managerRef, type CertificateIdentity } from './config/paths.js';
import type { CertificateConfig } from './config/schema.js';
import { certificateFolder, deployModes, logFields, metricLabels, rememberMetadata, stateOf, vaultBackupPath, type CycleResult, type SyncDeps } from './cycle-context.js';
import { deployFiles, fingerprintOf, readLocalFiles, type DeployModes, type DeployPaths } from './deploy-files.js';
import { CertificateRefused, refusalOf, requestedIdentifiers } from './issued-check.js';
import { checkAnswerIsFor } from './manager-entry.js';
import { forgetPendingKeys, hasPendingKeys, pendingKeyPairingWith, pendingKeyToReuse, savePendingKey, type KeyMaterial } from './pending-keys.js';

/** What the manager is asked to issue: the fields of a configured certificate a request carries. */
export type CertificateRequest = Pick<CertificateConfig, 'domain' | 'issuer' | 'name' | 'san' | 'sanNames' | 'days' | 'renewalDays' | 'dnsChallenge' | 'httpChallenge' | 'profile' | 'bundle' | 'labels' | 'keyType'>;

/** One certificate to have issued and deployed, whoever asks (the agent's cycle, `manager request`). */
export interface CertificateToIssue {
  identity: CertificateIdentity;
  request: CertificateRequest;
  /** Where its files are (each path inside `folder`): the key file a re-issue may keep is read there. */
  files: { folder: string; paths: DeployPaths; modes: DeployModes };
  /** Whether the issued files are written there (the agent's certificate_deploy). */
  deploy: boolean;
  /** Before the files are written: a copy of key and certificate elsewhere (the agent's Vault backup). */
  backup?: ((secret: { cert: string; key: string; ca_issuer?: string }) => Promise<void>) | undefined;
  /** "the configuration", "the request": where the names the issued certificate is checked against came from. */
  askedIn: string;
}

export interface IssueDeps {
  manager: Pick<ManagerClient, 'createCertificate' | 'updateCertificate'>;
  /** Where a new key waits while the manager issues for it (pending-keys.ts). */
  pendingKeyDir: string;
  now: () => Date;
}

/**
 * Which key the CSR is made with: `existing` the deployed key file (it must exist: certificate_keyfile_no_generate),
 * `existing-if-any` the deployed key file when there is one (a SAN change keeps the key, as the Go client does),
 * `new` a new one; the last two take a pending key of the right type first.
 */
export type KeyChoice = 'existing' | 'existing-if-any' | 'new';

export interface Issued {
  response: CertMap;
  keyPem: string;
  /** The CSR sent (base64 of its PEM), to tell a re-issue from a metadata-only answer. */
  csr: string;
}

/**
 * Makes (or takes) the key, saves it as pending, and POSTs (create) or PUTs (re-issue) its CSR.
 * The answer must be for the certificate asked for (checkAnswerIsFor); nothing is written yet.
 */
export async function askManagerToIssue(deps: IssueDeps, target: CertificateToIssue, how: { method: 'POST' } | { method: 'PUT'; revoke: boolean }, keyChoice: KeyChoice): Promise<Issued> {
  const { identity, request } = target;
  const key = await keyFor(deps, target, keyChoice);
  const csr = await csrFor(request, key.object);
  await savePendingKey(deps.pendingKeyDir, identity, key.pem);
  const response = how.method === 'POST'
    ? await deps.manager.createCertificate({ ...requestOf(request), csr })
    : await deps.manager.updateCertificate({ ...requestOf(request), csr, revoke: how.revoke });
  checkAnswerIsFor(identity, response, `${how.method} certificate ${certificateId(identity)}`);
  return { response, keyPem: key.pem, csr };
}

/**
 * What the manager issued, checked (key, names, dates, chain: CertificateRefused when it fails, and
 * nothing is written), backed up, then written with its key and CA together; the pending key is then
 * forgotten. Returns the paths written.
 */
export async function deployIssued(deps: IssueDeps, target: CertificateToIssue, issued: Pick<Issued, 'response' | 'keyPem'>): Promise<string[]> {
  const { request, files } = target;
  const { response, keyPem } = issued;
  const ca = !request.bundle && response.ca_issuer ? response.ca_issuer : undefined;
  const refused = await refusalOf({ certificate: response.cert, chain: request.bundle ? '' : response.ca_issuer ?? '' }, keyPem, requestedIdentifiers(request), target.askedIn, deps.now());
  if (refused) throw new CertificateRefused(refused);
  await target.backup?.({ cert: response.cert, key: keyPem, ...(response.ca_issuer ? { ca_issuer: response.ca_issuer } : {}) });
  const written = target.deploy ? await deployFiles(files.folder, files.paths, { key: keyPem, cert: response.cert, ...(ca !== undefined ? { ca } : {}) }, files.modes) : [];
  await forgetPendingKeys(deps.pendingKeyDir, target.identity, keyPem);
  return written;
}

/**
 * `manager request`: one certificate created and deployed by the agent's code. An earlier attempt
 * that left its key pending may have been issued with the answer lost (the POST is never repeated,
 * and asking again is refused: the certificate exists). When the manager holds a certificate that
 * pairs with that key, it is the one deployed, as the agent's next cycle would; otherwise it is asked for.
 */
export async function requestAndDeploy(deps: IssueDeps & { manager: Pick<ManagerClient, 'getCertificate'> }, target: CertificateToIssue): Promise<{ response: CertMap; written: string[] }> {
  const issued = (await issuedEarlier(deps, target)) ?? (await askManagerToIssue(deps, target, { method: 'POST' }, 'new'));
  return { response: issued.response, written: await deployIssued(deps, target, issued) };
}

async function issuedEarlier(deps: IssueDeps & { manager: Pick<ManagerClient, 'getCertificate'> }, target: CertificateToIssue): Promise<Pick<Issued, 'response' | 'keyPem'> | undefined> {
  const { identity } = target;
  if (!(await hasPendingKeys(deps.pendingKeyDir, identity))) return undefined;
  let response: CertMap;
  try {
    response = await deps.manager.getCertificate(managerRef(identity));
  } catch (err) {
    if (err instanceof ManagerError && err.kind === 'not-found') return undefined;
    throw err;
  }
  checkAnswerIsFor(identity, response, `GET certificate ${certificateId(identity)}`);
  const keyPem = await pendingKeyPairingWith(deps.pendingKeyDir, identity, response.cert);
  return keyPem === undefined ? undefined : { response, keyPem };
}

// ---------------------------------------------------------------------------
// The agent's side of the phase: its plans applied, with its state, metrics and log lines.

export async function createCertificate(deps: SyncDeps, result: CycleResult, cert: CertificateConfig): Promise<void> {
  const target = agentTarget(deps, cert);
  const issued = await askManagerToIssue(deps, target, { method: 'POST' }, deps.config.common.certificateKeyFileNoGenerate ? 'existing' : 'new');
  result.created++;
  deps.metrics.certificateOperations.inc({ issuer: cert.issuer, operation: 'created' });
  deps.log.info('created certificate', logFields(deps.owner, target.identity));
  await deployForAgent(deps, result, target, issued);
}

export async function reissueCertificate(deps: SyncDeps, result: CycleResult, cert: CertificateConfig, wantNewKey: boolean, why: string): Promise<void> {
  const target = agentTarget(deps, cert);
  const issued = await askManagerToIssue(deps, target, { method: 'PUT', revoke: deps.config.common.revokeOnUpdate }, wantNewKey ? 'new' : 'existing-if-any');
  result.updated++;
  deps.log.info(`certificate updated (${why})`, logFields(deps.owner, target.identity));
  if (issued.response.csr === issued.csr) await deployForAgent(deps, result, target, issued);
}

/** manager-contract.md §7 item 7: resending the stored CSR changes only renewal_days and labels, without a new ACME order. */
export async function updateMetadata(deps: SyncDeps, result: CycleResult, cert: CertificateConfig, server: ManagerCertificate, why: string): Promise<void> {
  if (!server.csr) throw new Error('the manager has no stored CSR for this certificate; cannot update its metadata alone');
  await deps.manager.updateCertificate({ ...requestOf(cert), csr: server.csr, key_type: server.key_type ?? cert.keyType, revoke: false });
  result.updated++;
  deps.log.info(`certificate updated (${why})`, logFields(deps.owner, identityOf(cert)));
}

/** deployIssued, with what the agent remembers: a refused certificate (not asked for again), the metrics, the metadata. */
async function deployForAgent(deps: SyncDeps, result: CycleResult, target: CertificateToIssue, issued: Issued): Promise<void> {
  const { identity } = target;
  const id = certificateId(identity);
  let written: string[];
  try {
    written = await deployIssued(deps, target, issued);
  } catch (err) {
    if (!(err instanceof CertificateRefused)) {
      deps.metrics.certificateRefused.set(metricLabels(identity), 0);
      throw err;
    }
    // Not backed up, not deployed; remembered, so the next cycles report it instead of asking again.
    stateOf(deps, id).refused = { fingerprint: fingerprintOf(issued.response.cert), message: err.message };
    deps.metrics.certificateRefused.set(metricLabels(identity), 1);
    throw err;
  }
  deps.metrics.certificateRefused.set(metricLabels(identity), 0);
  if (target.deploy) {
    result.changedFiles.push(...written);
    deps.log.info(`deployed ${target.files.paths.cert}`, logFields(deps.owner, identity));
  }
  rememberMetadata(stateOf(deps, id), { ...issued.response, domain: identity.domain, issuer: identity.issuer, ...(identity.name ? { name: identity.name } : {}) });
}

function agentTarget(deps: SyncDeps, cert: CertificateConfig): CertificateToIssue {
  const common = deps.config.common;
  const identity = identityOf(cert);
  const { vault } = deps;
  return {
    identity,
    request: cert,
    files: { folder: certificateFolder(deps.config), paths: certificatePaths(common, identity), modes: deployModes(common) },
    deploy: common.certificateDeploy,
    backup: common.certificateBackup && vault ? async (secret) => {
      try {
        await vault.writeSecret(vaultBackupPath(deps, identity), secret);
        deps.metrics.vaultOperations.inc({ secret_type: 'unknown', operation: 'put', status: 'success' });
      } catch (err) {
        deps.metrics.vaultOperations.inc({ secret_type: 'unknown', operation: 'put', status: 'failed' });
        throw err;
      }
    } : undefined,
    askedIn: 'the configuration',
  };
}

// ---------------------------------------------------------------------------

async function keyFor(deps: IssueDeps, target: CertificateToIssue, choice: KeyChoice): Promise<KeyMaterial> {
  const { identity, request, files } = target;
  if (choice !== 'new') {
    const existing = (await readLocalFiles(files.folder, files.paths)).key;
    if (existing !== undefined) return { object: createPrivateKey(existing), pem: existing };
    if (choice === 'existing') throw new Error(`certificate_keyfile_no_generate is set but ${files.paths.key} does not exist`);
  }
  return (await pendingKeyToReuse(deps.pendingKeyDir, identity, request.keyType)) ?? (await newKey(request));
}

/** §6.7: EC keys as SEC1 `EC PRIVATE KEY`, RSA as PKCS#1 `RSA PRIVATE KEY`, what the Go client writes. */
async function newKey(request: CertificateRequest): Promise<KeyMaterial> {
  if (request.keyType === 'rsa8192') throw new Error('key_type rsa8192 is not supported by acmecli (use rsa4096)');
  return newCertificateKey(request.keyType, 'traditional');
}

/** CN = domain, SAN = domain and `san` (adding the domain is harmless: the manager de-duplicates it). Sent as base64 of the PEM. */
async function csrFor(request: CertificateRequest, key: KeyMaterial['object']): Promise<string> {
  // Loaded only when a certificate is created or re-issued.
  const [{ createCsr }, { parseIdentifier }] = await Promise.all([import('../certs/csr.js'), import('../certs/identifiers.js')]);
  const identifiers = [request.domain, ...request.sanNames].map((name) => parseIdentifier(name));
  const csr = await createCsr(key, identifiers);
  return Buffer.from(csr.pem, 'utf8').toString('base64');
}

function requestOf(request: CertificateRequest): Omit<UpdateCertificateParams, 'csr'> {
  return {
    domain: request.domain,
    issuer: request.issuer,
    ...(request.name ? { name: request.name } : {}),
    ...(request.san ? { san: request.san } : {}),
    ...(request.days ? { days: request.days } : {}),
    ...(request.renewalDays ? { renewal_days: request.renewalDays } : {}),
    ...(request.dnsChallenge ? { dns_challenge: request.dnsChallenge } : {}),
    ...(request.httpChallenge ? { http_challenge: request.httpChallenge } : {}),
    ...(request.profile ? { profile: request.profile } : {}),
    bundle: request.bundle,
    labels: request.labels,
    key_type: request.keyType,
  };
}
