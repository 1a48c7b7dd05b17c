import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { AccountRef } from '../acme/account.js';
import type { PollClock } from '../acme/poll.js';
import type { AcmeClient } from '../acme/client.js';
import type { ChallengeSolver, ChallengeType } from '../acme/solver.js';
import type { KeyObject } from 'node:crypto';
import { describeCertificate, chainIssuerNames, type CertificateInfo } from '../certs/certificate.js';
import { checkIssuedCertificate } from '../certs/issued-certificate-check.js';
import { createCsr, parseCsr } from '../certs/csr.js';
import { newCertificateKey, parseCertificateKey, type CertKeyTypeName } from '../certs/cert-key-types.js';
import { writeFileAtomic, writeFilesTogether } from '../state/atomic-write.js';
import { readNamedFile } from '../state/read-file.js';
import type { LineageRecord, LineageStore, LineageVersion } from '../state/lineage-store.js';
import { AcmeProblemError } from '../acme/problem.js';
import { isCaSideFailure } from './ca-fallback.js';
import { obtainCertificate, type ObtainEvents, type SolvedChallenge } from './obtain.js';
import { KEY_COMPROMISE } from './renewal-decision.js';
import { outputPaths, outputsMatch, outputsStamp, writeOutputs, type CertificateFiles, type OutputPaths } from './output-files.js';

/** One CA to order from: the lineage's own, then each `--fallback-acme-url` in turn. */
export interface CaAttempt {
  directoryUrl: string;
  /** Contacted only when it is this CA's turn: a fallback is never touched while the primary works. */
  connect: () => Promise<{ client: AcmeClient; account: AccountRef; thumbprint: string }>;
  /** RFC 9773 `replaces`: only for the CA that issued the certificate being replaced (another one answers 403). */
  replaces?: string;
}

export interface IssueContext {
  store: LineageStore;
  /** In order; the next is tried, with the same key, only after a failure that is the CA's (isCaSideFailure). */
  cas: readonly CaAttempt[];
  solvers: readonly ChallengeSolver[];
  events?: ObtainEvents & { onFallback?: (from: string, to: string, err: unknown) => void };
  signal?: AbortSignal;
  now?: () => Date;
  pollClock?: PollClock;
}

export interface IssueOutcome {
  version: LineageVersion;
  /** The directory of the CA that issued. */
  issuedBy: string;
  /** Set when the lineage's own CA failed and a fallback issued: what went wrong first. */
  primaryFailure?: { directoryUrl: string; error: unknown };
  paths: OutputPaths;
  certificate: CertificateInfo;
  challenges: SolvedChallenge[];
  chainIssuer?: string;
}

/**
 * Issues the next version of a lineage: key (new, reused or none for --csr),
 * CSR, order, then the version folder written whole, then `current` moved to it
 * (the commit point), then the output files. The caller holds the lineage lock.
 */
export async function issueNextVersion(ctx: IssueContext, record: LineageRecord): Promise<IssueOutcome> {
  const { store } = ctx;
  const config = record.config;
  const number = await store.claimNextVersion(record);
  let committed: CommittedVersion;
  try {
    committed = await obtainVersion(ctx, record, number);
  } catch (err) {
    // Nothing committed: this version's folder and its key go, so a failed renewal leaves
    // nothing behind and keys never pile up (a kill -9 leaves the folder; nextVersionNumber steps past it).
    await store.removeVersionFolder(config.name, number).catch(() => undefined);
    throw err;
  }
  const { version, info, result, leafPem, chainPem, keyPem, primaryFailure } = committed;
  const paths = outputPaths(config.outDir, config.name, config.bundle, version.hasKey);
  await writeOutputs(paths, { leafPem, chainPem, ...(keyPem ? { keyPem } : {}) }, config.bundle);
  return {
    version, issuedBy: version.directoryUrl ?? config.directoryUrl, paths, certificate: info, challenges: result.challenges,
    ...(result.chainIssuer ? { chainIssuer: result.chainIssuer } : {}),
    ...(primaryFailure ? { primaryFailure } : {}),
  };
}

interface CommittedVersion {
  version: LineageVersion;
  info: CertificateInfo;
  result: Awaited<ReturnType<typeof obtainCertificate>>;
  leafPem: string;
  chainPem: string;
  keyPem?: string | undefined;
  primaryFailure?: { directoryUrl: string; error: unknown } | undefined;
}

/** Key, CSR, order, the version folder written whole, then `current` moved to it: the commit point. */
async function obtainVersion(ctx: IssueContext, record: LineageRecord, number: number): Promise<CommittedVersion> {
  const { store } = ctx;
  const config = record.config;
  const folder = store.versionFolder(config.name, number);
  const hasKey = !config.csrFile;
  const files = store.versionFiles(config.name, number, hasKey);

  let csrDer: Promise<Uint8Array>;
  let keyPem: string | undefined;
  /** The key's file, written while the order runs: settled before this version fails (its folder is then removed). */
  let keyWritten: Promise<void> = Promise.resolve();
  /** The key the certificate is ordered for: what the CA's certificate must certify. */
  let orderedKey: KeyObject;
  if (config.csrFile) {
    // The user's file, not ours: gone or unreadable since the lineage was made is one line naming it.
    const csr = await parseCsr(await readNamedFile(config.csrFile, { what: 'the CSR' }), config.csrFile);
    csrDer = Promise.resolve(csr.der);
    orderedKey = csr.publicKey;
  } else {
    const key = await certificateKey(ctx, record);
    keyPem = key.pem;
    // A crash after issuance must not lose the key, so it is on disk before the CA can issue for it: before finalize,
    // whose CSR waits for the write. It no longer has to be before the order: its fsync overlaps the first requests.
    keyWritten = writeFileAtomic(files.key!, keyPem, { mode: 0o600, forceMode: true, dirMode: 0o700 });
    orderedKey = key.object;
    // Signed while the order and challenges run (loading X.509 code takes a moment); awaited at finalize.
    csrDer = Promise.all([createCsr(key.object, config.identifiers), keyWritten]).then(([csr]) => csr.der);
    csrDer.catch(() => undefined); // a failure surfaces at finalize, not as an unhandled rejection
  }

  // Saved while the order runs; awaited before the final save so it can never land after it.
  let pendingWrite: Promise<void> = Promise.resolve();
  const now = () => ctx.now?.() ?? new Date();
  /** One CA's order, checked: nothing of a certificate the order did not ask for is ever written. */
  const orderAt = async (ca: CaAttempt, replaces: string | undefined) => {
    const { client, account, thumbprint } = await ca.connect();
    const result = await obtainCertificate({
      client,
      account,
      thumbprint,
      identifiers: config.identifiers,
      csrDer,
      solvers: ctx.solvers,
      challengeTypes: config.challengeTypes as ChallengeType[],
      ...(config.profile ? { profile: config.profile } : {}),
      ...(config.days ? { notAfter: new Date(now().getTime() + config.days * 86_400_000).toISOString() } : {}),
      ...(replaces ? { replaces } : {}),
      ...(config.preferredChain ? { preferredChain: config.preferredChain } : {}),
      topIssuerName: (pem) => chainIssuerNames(pem).topIssuerCommonName,
      checkChain: (pem) => void checkIssuedCertificate({ certificate: pem }, {
        key: orderedKey, identifiers: config.identifiers, now: now(), from: 'the CA', askedIn: 'the order',
      }),
      events: {
        ...ctx.events,
        onOrderCreated: (url) => {
          ctx.events?.onOrderCreated?.(url);
          record.pendingOrderUrl = url;
          pendingWrite = store.write(record).catch(() => undefined);
        },
      },
      ...(ctx.signal ? { signal: ctx.signal } : {}),
      ...(ctx.pollClock ? { pollClock: ctx.pollClock } : {}),
    });
    const checked = checkIssuedCertificate({ certificate: result.chainPem }, {
      key: orderedKey, identifiers: config.identifiers, now: now(), from: 'the CA', askedIn: 'the order',
    });
    return { result, checked };
  };

  let issued: Awaited<ReturnType<typeof orderAt>> | undefined;
  let issuedBy = ctx.cas[0]!;
  let primaryFailure: { directoryUrl: string; error: unknown } | undefined;
  for (const [index, ca] of ctx.cas.entries()) {
    try {
      try {
        issued = await orderAt(ca, ca.replaces);
      } catch (err) {
        // RFC 9773 §5: another order already replaced this certificate; order it plainly.
        if (!(ca.replaces && err instanceof AcmeProblemError && err.is('alreadyReplaced'))) throw err;
        issued = await orderAt(ca, undefined);
      }
      issuedBy = ca;
      break;
    } catch (err) {
      const next = ctx.cas[index + 1];
      if (!next || !isCaSideFailure(err)) {
        // The caller removes this version's folder: not while the key's write could still put a file back in it.
        await keyWritten.catch(() => undefined);
        throw err;
      }
      primaryFailure ??= { directoryUrl: ca.directoryUrl, error: err };
      ctx.events?.onFallback?.(ca.directoryUrl, next.directoryUrl, err);
    }
  }
  const { result, checked } = issued!;
  const leafPem = checked.leafPem;
  const chainPem = checked.chainPems.join('');
  await writeFilesTogether([
    { path: files.certificate, data: leafPem, mode: 0o644 },
    { path: files.chain, data: chainPem, mode: 0o644 },
    { path: files.fullchain, data: leafPem + chainPem, mode: 0o644 },
  ], 0o700);

  const info = describeCertificate(leafPem, `${folder}/cert.pem`);
  const version: LineageVersion = {
    number,
    issuedAt: (ctx.now?.() ?? new Date()).toISOString(),
    notBefore: info.notBefore.toISOString(),
    notAfter: info.notAfter.toISOString(),
    serial: info.serialHex,
    sha256: info.sha256Fingerprint,
    ...(info.ariCertId ? { ariCertId: info.ariCertId } : {}),
    orderUrl: result.orderUrl,
    certificateUrl: result.certificateUrl,
    hasKey,
    directoryUrl: issuedBy.directoryUrl,
  };
  record.versions.push(version);
  record.current = number;
  if (config.deployHook) record.deployPending = number;
  delete record.pendingOrderUrl;
  delete record.ari;
  record.lastResult = { at: version.issuedAt, ok: true, message: `issued version ${number}, serial ${info.serialHex}` };
  await pendingWrite;
  await store.write(record); // the commit point: from here on, repair writes this version out
  return { version, info, result, leafPem, chainPem, keyPem, primaryFailure };
}

/** Reuses the current version's key when asked (and there is one), else makes a new one. */
async function certificateKey(ctx: IssueContext, record: LineageRecord): Promise<{ object: KeyObject; pem: string }> {
  const config = record.config;
  const current = record.versions.find((v) => v.number === record.current);
  if (config.reuseKey && current?.hasKey && current.revoked?.reason !== KEY_COMPROMISE) {
    const path = ctx.store.versionFiles(config.name, current.number, true).key!;
    const text = await readFile(path, 'utf8').catch(() => undefined);
    if (text) return { object: parseCertificateKey(text, path), pem: text };
  }
  return newCertificateKey(config.keyType as CertKeyTypeName, 'pkcs8');
}

/** The current version's files, as they must appear in the output folder. */
export async function currentFiles(store: LineageStore, record: LineageRecord): Promise<{ version: LineageVersion; files: CertificateFiles } | undefined> {
  const version = record.versions.find((v) => v.number === record.current);
  if (!version) return undefined;
  const paths = store.versionFiles(record.config.name, version.number, version.hasKey);
  // Synchronous: small files, read for every lineage by `cert renew --all` (see outputsMatch).
  const leafPem = readFileSync(paths.certificate, 'utf8');
  const chainPem = readFileSync(paths.chain, 'utf8');
  const keyPem = paths.key ? readFileSync(paths.key, 'utf8') : undefined;
  return { version, files: { leafPem, chainPem, ...(keyPem ? { keyPem } : {}) } };
}

/**
 * After a kill -9 between renames, the output files may hold a mix of two
 * versions; this puts the current version back. Returns whether it had to.
 */
/** The stamp of the current version's output files, as they are on disk now. */
export function currentOutputsStamp(record: LineageRecord): string | undefined {
  const current = record.versions.find((v) => v.number === record.current);
  if (!current) return undefined;
  const config = record.config;
  return outputsStamp(outputPaths(config.outDir, config.name, config.bundle, current.hasKey));
}

/** Whether the output files hold the current version (true when there is none yet): a read, no write. */
export async function outputsAreCurrent(store: LineageStore, record: LineageRecord): Promise<boolean> {
  const current = await currentFiles(store, record);
  if (!current) return true;
  const config = record.config;
  return outputsMatch(outputPaths(config.outDir, config.name, config.bundle, current.version.hasKey), current.files, config.bundle);
}

export async function repairOutputs(store: LineageStore, record: LineageRecord): Promise<boolean> {
  const current = await currentFiles(store, record).catch(() => undefined);
  if (!current) return false;
  const config = record.config;
  const paths = outputPaths(config.outDir, config.name, config.bundle, current.version.hasKey);
  if (await outputsMatch(paths, current.files, config.bundle)) return false;
  await writeOutputs(paths, current.files, config.bundle);
  return true;
}
