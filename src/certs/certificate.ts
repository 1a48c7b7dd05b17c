import { createHash, createPublicKey, X509Certificate as NodeX509Certificate, type KeyObject } from 'node:crypto';
import { BadResponseError } from '../errors.js';
import { formatIpAddress } from './identifiers.js';
import { encodePem, findPemBlocks } from '../keys/pem.js';
import { GENERAL_NAME_KINDS, OID, formatName, nameField, readAuthorityKeyIdentifier, readCertificateFields, readGeneralNames, type CertificateFields } from './x509-der.js';

/** What `cert show`, renewal and ARI need from a certificate. Hex is lowercase without colons. */
export interface CertificateInfo {
  /** RFC 4514-style distinguished names, RDNs in encoded order: 'CN=example.com'. */
  subject: string;
  issuer: string;
  subjectCommonName: string | undefined;
  issuerCommonName: string | undefined;
  /** From subjectAltName, lowercased, in certificate order. */
  dnsNames: string[];
  /** From subjectAltName, dotted decimal or RFC 5952 §4 IPv6 (as identifiers are written). */
  ipAddresses: string[];
  notBefore: Date;
  notAfter: Date;
  /**
   * The serial as a non-negative number in hex, which is `openssl x509 -serial`
   * lowercased: without the 0x00 byte DER puts before a serial whose top bit is
   * set (RFC 9773's example 00:87:65:43:21 is '87654321' here). The ARI CertID keeps that byte.
   */
  serialHex: string;
  /** SHA-256 of the DER certificate: `openssl x509 -fingerprint -sha256` without colons, lowercased. */
  sha256Fingerprint: string;
  /** The keyIdentifier of the Authority Key Identifier extension (RFC 5280 §4.2.1.1); undefined without one. */
  authorityKeyIdentifier: string | undefined;
  /** RFC 9773 §4.1 unique identifier for the renewalInfo URL; undefined when there is no AKI keyIdentifier. */
  ariCertId: string | undefined;
  /** SHA-256 of the subject public key's SPKI DER, for matching a key file to the certificate. */
  publicKeySha256: string;
}

const CERTIFICATE_LABEL = 'CERTIFICATE';

/**
 * The CERTIFICATE blocks of a PEM chain (RFC 8555 §9.1 `application/pem-certificate-chain`),
 * in order, each rewritten as RFC 7468 PEM ending in a newline. Other blocks and
 * text between blocks are ignored; no certificate at all gives an empty list.
 *
 * @throws BadResponseError (code `BAD_RESPONSE`) for a CERTIFICATE block that is not base64.
 */
export function splitPemChain(text: string): string[] {
  return findPemBlocks(text)
    .filter((block) => block.label === CERTIFICATE_LABEL)
    .map((block, index) => {
      if (block.der === undefined) throw new BadResponseError(`certificate ${index + 1} of the chain is damaged (its PEM body is not base64)`);
      return encodePem(CERTIFICATE_LABEL, block.der);
    });
}

/**
 * Describes a certificate: PEM (the first CERTIFICATE block, the leaf of a
 * chain) or DER. `source` names it in messages.
 *
 * @throws BadResponseError (code `BAD_RESPONSE`) when it cannot be parsed.
 */
export function describeCertificate(pemOrDer: string | Uint8Array, source = 'the certificate'): CertificateInfo {
  const der = certificateDer(pemOrDer, source);
  let fields: CertificateFields;
  let node: NodeX509Certificate;
  let spki: Buffer;
  try {
    node = new NodeX509Certificate(der);
    fields = readCertificateFields(der);
    spki = node.publicKey.export({ type: 'spki', format: 'der' });
  } catch {
    throw new BadResponseError(`${source} cannot be parsed as an X.509 certificate`);
  }
  const serial = fields.serial;

  const dnsNames: string[] = [];
  const ipAddresses: string[] = [];
  const san = readExtension(fields, OID.subjectAltName, readGeneralNames, source, 'subjectAltName');
  for (const name of san ?? []) {
    const kind = GENERAL_NAME_KINDS[name.tag];
    if (kind === 'dns') dnsNames.push(Buffer.from(name.content).toString('latin1').toLowerCase());
    if (kind === 'ip') ipAddresses.push(formatIpAddress(name.content) ?? Buffer.from(name.content).toString('hex'));
  }
  const aki = readExtension(fields, OID.authorityKeyIdentifier, readAuthorityKeyIdentifier, source, 'authorityKeyIdentifier');
  const keyIdentifier = aki === undefined ? undefined : Buffer.from(aki);

  return {
    subject: formatName(fields.subject),
    issuer: formatName(fields.issuer),
    subjectCommonName: nameField(fields.subject, OID.commonName)[0],
    issuerCommonName: nameField(fields.issuer, OID.commonName)[0],
    dnsNames,
    ipAddresses,
    notBefore: node.validFromDate,
    notAfter: node.validToDate,
    serialHex: serialHex(serial),
    sha256Fingerprint: createHash('sha256').update(der).digest('hex'),
    authorityKeyIdentifier: keyIdentifier?.toString('hex'),
    ariCertId: keyIdentifier === undefined ? undefined : ariCertId(keyIdentifier, serial),
    publicKeySha256: createHash('sha256').update(spki).digest('hex'),
  };
}

/**
 * RFC 9773 §4.1: "the base64url encoding of the keyIdentifier field of the
 * certificate's Authority Key Identifier (AKI) extension", a period, and the
 * base64url encoding of the serial number's DER content octets ("without the tag
 * and length bytes", so a leading 0x00 stays), with no "=" padding.
 */
export function ariCertId(authorityKeyIdentifier: Uint8Array, serialContentOctets: Uint8Array): string {
  return `${base64url(authorityKeyIdentifier)}.${base64url(serialContentOctets)}`;
}

/**
 * Whether the certificate's public key is the public half of `privateKey`. Both
 * sides are exported by node as SPKI DER, so an EC point written compressed in
 * the certificate still matches.
 *
 * @throws BadResponseError (code `BAD_RESPONSE`) when the certificate cannot be parsed.
 */
export function certificateMatchesKey(certPem: string | Uint8Array, privateKey: KeyObject): boolean {
  const der = certificateDer(certPem, 'the certificate');
  let certSpki: Buffer;
  try {
    certSpki = new NodeX509Certificate(der).publicKey.export({ type: 'spki', format: 'der' });
  } catch {
    throw new BadResponseError('the certificate cannot be parsed as an X.509 certificate');
  }
  const keySpki = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
  return certSpki.equals(keySpki);
}

export interface ChainIssuerNames {
  /** The issuer CN of each certificate, leaf first (undefined where an issuer has no CN). */
  issuerCommonNames: Array<string | undefined>;
  /**
   * The issuer CN of the topmost (last) certificate: the name of the root the
   * chain leads to, which is what `--preferred-chain` matches.
   */
  topIssuerCommonName: string | undefined;
}

/**
 * The issuer names along a PEM chain.
 *
 * @throws BadResponseError (code `BAD_RESPONSE`) for an empty or unparsable chain.
 */
export function chainIssuerNames(chainPem: string): ChainIssuerNames {
  const certificates = splitPemChain(chainPem);
  if (certificates.length === 0) throw new BadResponseError('the certificate chain holds no certificate');
  const issuerCommonNames = certificates.map((pem, index) => {
    try {
      const der = findPemBlocks(pem)[0]?.der;
      return nameField(readCertificateFields(der ?? new Uint8Array(0)).issuer, OID.commonName)[0];
    } catch {
      throw new BadResponseError(`certificate ${index + 1} of the chain cannot be parsed as an X.509 certificate`);
    }
  });
  return { issuerCommonNames, topIssuerCommonName: issuerCommonNames[issuerCommonNames.length - 1] };
}

function certificateDer(pemOrDer: string | Uint8Array, source: string): Uint8Array {
  const text = typeof pemOrDer === 'string' ? pemOrDer : Buffer.from(pemOrDer).toString('latin1');
  if (typeof pemOrDer !== 'string' && !text.includes('-----BEGIN ')) return pemOrDer;
  const block = findPemBlocks(text).find((candidate) => candidate.label === CERTIFICATE_LABEL);
  if (block === undefined) throw new BadResponseError(`${source} holds no PEM CERTIFICATE block`);
  if (block.der === undefined) throw new BadResponseError(`${source} is damaged (its PEM body is not base64)`);
  return block.der;
}

/** The first extension `oid`, read by `read`; undefined without one. */
function readExtension<T>(fields: CertificateFields, oid: string, read: (value: Uint8Array) => T, source: string, name: string): T | undefined {
  const extension = fields.extensions.find((candidate) => candidate.oid === oid);
  if (extension === undefined) return undefined;
  try {
    return read(extension.value);
  } catch {
    throw new BadResponseError(`${source} has a ${name} extension that cannot be parsed`);
  }
}

/** The serial's magnitude: DER's sign byte dropped (a negative serial, which RFC 5280 §4.1.2.2 forbids, stays as its bytes). */
function serialHex(content: Uint8Array): string {
  const start = content.length > 1 && content[0] === 0x00 ? 1 : 0;
  return Buffer.from(content.subarray(start)).toString('hex');
}

function base64url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}
