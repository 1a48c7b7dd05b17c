import { createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { KeyError, UsageError, isAcmecliError } from '../errors.js';
import { CERT_KEY_TYPES, certKeyTypeOf, type CertKeyTypeName, type CertKeyTypeSpec } from './cert-key-types.js';
import {
  GENERAL_NAME_KINDS, OID, encodeAlgorithmIdentifier, encodeCommonNameOnly, encodeCsrInfo, encodeSigned, encodeSubjectAltName, nameField, readCsrFields, readGeneralNames, type CsrFields,
} from './x509-der.js';
import { formatIpAddress, parseIdentifier, type Identifier } from './identifiers.js';
import { printableLine } from '../printable.js';
import { encodePem, findPemBlocks } from '../keys/pem.js';

/** RFC 5280 Appendix A: ub-common-name INTEGER ::= 64. */
const MAX_COMMON_NAME_LENGTH = 64;

/** The PEM labels a certificate request may carry: RFC 7468 §7, and the one older OpenSSL and Netscape tools write. */
const CSR_PEM_LABELS = new Set(['CERTIFICATE REQUEST', 'NEW CERTIFICATE REQUEST']);

export interface Csr {
  der: Uint8Array;
  pem: string;
}

/**
 * Makes the PKCS#10 request (RFC 2986) sent to finalize (RFC 8555 §7.4): every
 * identifier in subjectAltName (dNSName, or iPAddress as RFC 8738 §3 asks), and
 * CN = the first DNS identifier when it fits in 64 characters. With no CN the
 * subject is empty, so subjectAltName is marked critical (RFC 5280 §4.2.1.6).
 * Signed ECDSA with SHA-256 (P-256) or SHA-384 (P-384), or RSA PKCS#1 v1.5 with SHA-256.
 * Identifiers are normalised as `parseIdentifier` does, and repeats dropped.
 *
 * @throws KeyError (code `KEY`) for a key type not in CERT_KEY_TYPES;
 *   UsageError (code `USAGE`) for no identifiers or an invalid one.
 */
export async function createCsr(privateKey: KeyObject, identifiers: readonly Identifier[]): Promise<Csr> {
  if (privateKey.type !== 'private') throw new KeyError('a certificate request must be signed with the private key');
  const spec: CertKeyTypeSpec = CERT_KEY_TYPES[certKeyTypeOf(privateKey, 'the certificate key')];
  const names = uniqueIdentifiers(
    identifiers.map((identifier) => {
      const parsed = parseIdentifier(identifier.value);
      if (parsed.type !== identifier.type) throw new UsageError(`"${identifier.value}" is not an identifier of type ${identifier.type}`);
      return parsed;
    }),
  );
  if (names.length === 0) throw new UsageError('a certificate request needs at least one DNS name or IP address');

  const firstDnsName = names.find((identifier) => identifier.type === 'dns')?.value;
  const commonName = firstDnsName !== undefined && firstDnsName.length <= MAX_COMMON_NAME_LENGTH ? firstDnsName : undefined;
  const subjectAltName = { oid: OID.subjectAltName, critical: commonName === undefined, value: encodeSubjectAltName(names) };

  const spki = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
  const info = encodeCsrInfo(encodeCommonNameOnly(commonName), spki, [subjectAltName]);
  const signing = CSR_SIGNING[spec.kty][spec.csrHash];
  // ECDSA signatures in X.509 are the DER SEQUENCE { r, s } (RFC 5480 §2.2.3), node's default encoding.
  const signature = sign(signing.hash, info, privateKey);
  const der = encodeSigned(info, encodeAlgorithmIdentifier(signing.oid, spec.kty === 'RSA'), signature);
  return { der, pem: encodePem('CERTIFICATE REQUEST', der) };
}

/** The signatureAlgorithm of our own requests (RFC 5758 §3.2, RFC 4055 §5), by key family and hash. */
const CSR_SIGNING = {
  EC: { 'SHA-256': { oid: '1.2.840.10045.4.3.2', hash: 'sha256' }, 'SHA-384': { oid: '1.2.840.10045.4.3.3', hash: 'sha384' } },
  RSA: { 'SHA-256': { oid: '1.2.840.113549.1.1.11', hash: 'sha256' }, 'SHA-384': { oid: '1.2.840.113549.1.1.12', hash: 'sha384' } },
} as const;

/**
 * The signature algorithms a `--csr` file may be signed with: the key family each belongs to and the hash it
 * verifies with (null: the algorithm has its own, Ed25519). ECDSA and PKCS#1 v1.5 take no parameters but NULL.
 * The family is checked against the request's key: node's verify() would accept an RSA signature under an
 * ECDSA label, and the CA would then refuse a request we called good.
 */
const CSR_VERIFY: Readonly<Record<string, { family: 'ec' | 'rsa' | 'ed25519'; hash: string | null }>> = {
  '1.2.840.10045.4.3.2': { family: 'ec', hash: 'sha256' }, '1.2.840.10045.4.3.3': { family: 'ec', hash: 'sha384' }, '1.2.840.10045.4.3.4': { family: 'ec', hash: 'sha512' },
  '1.2.840.113549.1.1.11': { family: 'rsa', hash: 'sha256' }, '1.2.840.113549.1.1.12': { family: 'rsa', hash: 'sha384' }, '1.2.840.113549.1.1.13': { family: 'rsa', hash: 'sha512' },
  '1.3.101.112': { family: 'ed25519', hash: null },
};

/**
 * SHA-1 signatures (ecdsa-with-SHA1, sha1WithRSAEncryption): CAs refuse them (the CA/Browser Forum's Baseline
 * Requirements forbid SHA-1; Boulder answers badCSR), so they are refused here with the way out.
 */
const CSR_SHA1_ALGORITHMS = new Set(['1.2.840.10045.4.1', '1.2.840.113549.1.1.5']);

export interface ParsedCsr {
  /** From subjectAltName, then the CN when it is not among them: lowercased, IPs normalised, no repeats. */
  identifiers: Identifier[];
  der: Uint8Array;
  publicKey: KeyObject;
  /** The CERT_KEY_TYPES entry the public key matches, or undefined when it matches none (a CA may refuse it). */
  keyType: CertKeyTypeName | undefined;
  /** For people: 'EC P-256', 'RSA 3072'. */
  keyDescription: string;
}

/**
 * Reads a certificate request brought with `--csr` (PEM or DER) and checks its
 * signature, so a damaged or altered file fails here and not at the CA.
 * `source` names the input in messages (usually the file path).
 *
 * @throws UsageError (code `USAGE`) for anything that is not a readable,
 *   correctly signed PKCS#10 request naming only DNS names and IP addresses.
 */
export async function parseCsr(pemOrDer: string | Uint8Array, source: string): Promise<ParsedCsr> {
  const der = csrDer(pemOrDer, source);
  let csr: CsrFields;
  try {
    csr = readCsrFields(der);
  } catch {
    throw new UsageError(`${source} is not a certificate request (PKCS#10 in PEM or DER); the file is damaged or of another kind`);
  }
  let publicKey: KeyObject | undefined;
  try {
    publicKey = createPublicKey({ key: Buffer.from(csr.spki), format: 'der', type: 'spki' });
  } catch {
    publicKey = undefined;
  }
  if (CSR_SHA1_ALGORITHMS.has(csr.signatureAlgorithm)) {
    throw new UsageError(`${source}: the certificate request is signed with SHA-1, which CAs refuse; make it again with SHA-256 (openssl req -new -sha256 …)`);
  }
  const algorithm = CSR_VERIFY[csr.signatureAlgorithm];
  const parametersAllowed = csr.signatureParameters === undefined || (Buffer.from(csr.signatureParameters).equals(Buffer.from([0x05, 0x00])) && algorithm?.hash !== null);
  let isSignatureValid: boolean;
  try {
    if (publicKey === undefined || algorithm === undefined || !parametersAllowed || publicKey.asymmetricKeyType !== algorithm.family) throw new Error('unsupported');
    isSignatureValid = verify(algorithm.hash, csr.info, publicKey, csr.signature);
  } catch {
    throw new UsageError(`${source}: the certificate request's signature cannot be checked (unsupported key or signature algorithm)`);
  }
  if (!isSignatureValid) {
    throw new UsageError(`${source}: the certificate request's signature does not verify; the file was altered or signed with another key`);
  }

  let keyType: CertKeyTypeName | undefined;
  try {
    keyType = certKeyTypeOf(publicKey, source);
  } catch {
    keyType = undefined;
  }
  return { identifiers: csrIdentifiers(csr, source), der, publicKey, keyType, keyDescription: describePublicKey(publicKey) };
}

function csrDer(pemOrDer: string | Uint8Array, source: string): Uint8Array {
  const text = typeof pemOrDer === 'string' ? pemOrDer : Buffer.from(pemOrDer).toString('latin1');
  if (!text.includes('-----BEGIN ')) {
    if (typeof pemOrDer !== 'string' && pemOrDer[0] === 0x30) return pemOrDer; // an ASN.1 SEQUENCE: DER
    throw new UsageError(`${source} is not a certificate request (PKCS#10 in PEM or DER)`);
  }
  const blocks = findPemBlocks(text);
  const requests = blocks.filter((block) => CSR_PEM_LABELS.has(block.label));
  const [request] = requests;
  if (request === undefined) {
    const other = blocks.find((block) => block.label !== '')?.label;
    const what = other === undefined ? 'no complete PEM block (is it truncated?)' : `a "${other}" block`;
    throw new UsageError(`${source} holds ${what}, not a certificate request`);
  }
  if (requests.length > 1) throw new UsageError(`${source} holds ${requests.length} certificate requests; keep one`);
  if (request.der === undefined) throw new UsageError(`${source} has a damaged "${request.label}" block (not base64)`);
  return request.der;
}

function csrIdentifiers(csr: CsrFields, source: string): Identifier[] {
  const inSource = (err: unknown): never => {
    if (isAcmecliError(err)) throw new UsageError(`${source}: ${err.message}`);
    throw err;
  };
  const identifiers: Identifier[] = [];
  const extension = csr.extensions.find((candidate) => candidate.oid === OID.subjectAltName);
  if (extension !== undefined) {
    let names: ReturnType<typeof readGeneralNames>;
    try {
      names = readGeneralNames(extension.value);
    } catch {
      throw new UsageError(`${source}: the certificate request's subjectAltName cannot be read`);
    }
    for (const name of names) {
      const kind = GENERAL_NAME_KINDS[name.tag] ?? `[${name.tag}]`;
      if (kind === 'dns') {
        try {
          identifiers.push(parseIdentifier(Buffer.from(name.content).toString('latin1')));
        } catch (err) {
          inSource(err);
        }
      } else if (kind === 'ip') {
        const value = formatIpAddress(name.content);
        if (value === undefined) throw new UsageError(`${source}: the certificate request has an invalid IP address (${name.content.length} bytes)`);
        identifiers.push({ type: 'ip', value });
      } else {
        const shown = kind === 'email' || kind === 'uri' ? ` ${printableLine(Buffer.from(name.content).toString('latin1'))}` : '';
        throw new UsageError(`${source} asks for the ${kind} name${shown}; ACME certificates hold only DNS names and IP addresses`);
      }
    }
  }
  for (const commonName of nameField(csr.subject, OID.commonName)) {
    try {
      identifiers.push(parseIdentifier(commonName));
    } catch (err) {
      inSource(err);
    }
  }
  const unique = uniqueIdentifiers(identifiers);
  if (unique.length === 0) throw new UsageError(`${source} names no DNS name or IP address (no subjectAltName and no CN)`);
  return unique;
}

function uniqueIdentifiers(identifiers: readonly Identifier[]): Identifier[] {
  const seen = new Set<string>();
  return identifiers.filter((identifier) => {
    const key = `${identifier.type}:${identifier.value}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function describePublicKey(key: KeyObject): string {
  const details = key.asymmetricKeyDetails;
  if (key.asymmetricKeyType === 'rsa') return `RSA ${details?.modulusLength ?? '?'}`;
  if (key.asymmetricKeyType === 'ec') {
    try {
      const crv = key.export({ format: 'jwk' }).crv;
      if (crv !== undefined) return `EC ${crv}`;
    } catch {
      // a curve with no JWK name: fall back to OpenSSL's
    }
    return `EC ${details?.namedCurve ?? 'explicit-parameters'}`;
  }
  return key.asymmetricKeyType === 'ed25519' ? 'Ed25519' : (key.asymmetricKeyType ?? 'unknown');
}
