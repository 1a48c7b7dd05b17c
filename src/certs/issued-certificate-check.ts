// The one check every certificate passes before acmecli writes it as a lineage version, into output
// files, or deploys it for the agent: whoever sent it (a CA, the ACME Manager) may be wrong or hostile.
import { X509Certificate as NodeX509Certificate, createPublicKey, type KeyObject } from 'node:crypto';
import { BadResponseError } from '../errors.js';
import { printableLine as printable } from '../printable.js';
import { encodePem } from '../keys/pem.js';
import { formatIpAddress, normaliseIpAddress, type Identifier } from './identifiers.js';
import { GENERAL_NAME_KINDS, OID, nameField, readCertificateFields, readGeneralNames, type CertificateFields } from './x509-der.js';

/** How far a certificate's notBefore may lie ahead of our clock: CAs backdate, but clocks drift both ways. */
export const NOT_BEFORE_SKEW_MS = 5 * 60_000;

/** A certificate refused by `checkIssuedCertificate`; the message is the one line a person reads. */
export class CertificateRefusedError extends BadResponseError {
  constructor(message: string) {
    super(message);
    this.name = 'CertificateRefusedError';
  }
}

export interface IssuedCertificateExpectation {
  /** The key the certificate was ordered for (the CSR's): private or public. */
  key: KeyObject;
  /** The names asked for: the order's identifiers, the agent's configuration, the manager request. */
  identifiers: readonly Identifier[];
  now: Date;
  /** Who sent it, for the message: 'the CA', 'the manager'. */
  from: string;
  /** What the names were asked in, for the message: 'the order', 'the configuration', 'the request'. */
  askedIn: string;
}

export interface IssuedCertificateText {
  /** The leaf, possibly followed by its chain (a CA's download, a bundled manager certificate). */
  certificate: string;
  /** More chain, when it comes apart from the leaf (the manager's `ca_issuer`); empty or absent otherwise. */
  chain?: string;
}

export interface CheckedCertificate {
  /** The leaf, re-encoded as strict PEM. */
  leafPem: string;
  /** The issuer chain after the leaf, re-encoded (the certificate's own tail first, then `chain`). */
  chainPems: string[];
  notBefore: Date;
  notAfter: Date;
}

/**
 * Accepts a certificate only when it is what was asked for: the leaf's public key
 * is `expected.key`'s; its subjectAltName holds exactly the requested names
 * (compared canonically: DNS case-insensitive, IP addresses as bytes), no other
 * kind of name, and a CN, if any, among them; no critical extension TLS clients do not
 * know; it is valid now (notBefore ≤ now +
 * NOT_BEFORE_SKEW_MS, now < notAfter); the text is PEM CERTIFICATE blocks and
 * white space only; and the first chain certificate issued the leaf (names and
 * signature). Pure: no IO, the clock is given.
 *
 * @throws CertificateRefusedError (code `BAD_RESPONSE`), one line:
 *   `refused the certificate from the CA: it is for names a.example, evil.example but the order was for a.example`.
 */
export function checkIssuedCertificate(text: IssuedCertificateText, expected: IssuedCertificateExpectation): CheckedCertificate {
  const refuse = (why: string) => new CertificateRefusedError(`refused the certificate from ${expected.from}: ${why}`);

  const own = strictPemCertificates(text.certificate, 'it');
  const extra = strictPemCertificates(text.chain ?? '', 'its chain');
  if ('problem' in own) throw refuse(own.problem);
  if ('problem' in extra) throw refuse(extra.problem);
  const [leafDer, ...ownChain] = own.ders;
  if (leafDer === undefined) throw refuse('it holds no certificate');
  const chainDers = [...ownChain, ...extra.ders];

  const leaf = parse(leafDer);
  if (!leaf) throw refuse('it cannot be parsed as an X.509 certificate');

  const publicKey = expected.key.type === 'public' ? expected.key : createPublicKey(expected.key);
  const expectedSpki = publicKey.export({ type: 'spki', format: 'der' });
  if (!leaf.node.publicKey.export({ type: 'spki', format: 'der' }).equals(expectedSpki)) {
    throw refuse(`it is for another public key than the one ${expected.askedIn} was made with`);
  }

  const names = certificateNames(leaf.fields);
  if ('problem' in names) throw refuse(names.problem);
  const wanted = [...new Set(expected.identifiers.map(nameKey))];
  const got = names.san;
  if (names.others.length > 0) throw refuse(`it also names ${names.others.map(printable).join(', ')}, which ${expected.askedIn} did not ask for`);
  const sameSet = got.length === new Set(got).size && got.length === wanted.length && got.every((name) => wanted.includes(name));
  if (!sameSet) throw refuse(`it is for names ${listOrNone(got)} but ${expected.askedIn} was for ${listOrNone(wanted)}`);
  const cn = names.commonName;
  // Case folded for ASCII only: 'K.example' (U+212A KELVIN SIGN) lowercases to k.example but is another name.
  const cnKey = /^[\x00-\x7f]*$/.test(cn ?? '') ? cn?.toLowerCase() : cn;
  if (cn !== undefined && !wanted.includes(`dns:${cnKey}`) && !wanted.includes(`ip:${normaliseIpAddress(cn) ?? ''}`)) {
    throw refuse(`its subject CN ${printable(cn)} is not one of the names ${expected.askedIn} was for (${listOrNone(wanted)})`);
  }

  const unknownCritical = leaf.fields.extensions.find((extension) => extension.critical && !CRITICAL_EXTENSIONS_CLIENTS_KNOW.has(extension.oid));
  if (unknownCritical !== undefined) {
    throw refuse(`it has a critical extension ${unknownCritical.oid} that TLS clients do not know, so they would refuse it`);
  }

  const notBefore = leaf.node.validFromDate;
  const notAfter = leaf.node.validToDate;
  const nowMs = expected.now.getTime();
  if (notBefore.getTime() > nowMs + NOT_BEFORE_SKEW_MS) throw refuse(`it is not valid before ${notBefore.toISOString()} (now is ${expected.now.toISOString()})`);
  if (nowMs >= notAfter.getTime()) throw refuse(`it expired at ${notAfter.toISOString()} (now is ${expected.now.toISOString()})`);

  const [issuerDer] = chainDers;
  if (issuerDer === undefined) throw refuse('it comes without the certificate that issued it');
  const issuer = parse(issuerDer);
  if (!issuer) throw refuse('the first certificate of its chain cannot be parsed as an X.509 certificate');
  if (!leaf.node.checkIssued(issuer.node)) {
    throw refuse(`the first certificate of its chain (${printable(issuer.node.subject.replace(/\n/g, ', '))}) did not issue it (its issuer is ${printable(leaf.node.issuer.replace(/\n/g, ', '))})`);
  }
  if (!leaf.node.verify(issuer.node.publicKey)) throw refuse('its signature does not verify with the key of the first certificate of its chain');

  return { leafPem: encodePem('CERTIFICATE', leafDer), chainPems: chainDers.map((der) => encodePem('CERTIFICATE', der)), notBefore, notAfter };
}

/**
 * The RFC 5280 §4.2.1 extensions OpenSSL's verifier processes (X509_supported_extension), and so may be
 * critical in a leaf we deploy. Any other critical one makes a client refuse the certificate (RFC 5280
 * §4.2: "MUST reject"), e.g. a CT precertificate's poison (RFC 6962 §3.1): installing it would replace
 * a working certificate with one no client accepts.
 */
const CRITICAL_EXTENSIONS_CLIENTS_KNOW: ReadonlySet<string> = new Set([
  '2.5.29.15', // keyUsage
  '2.5.29.17', // subjectAltName (critical when the subject is empty, §4.2.1.6)
  '2.5.29.19', // basicConstraints
  '2.5.29.30', // nameConstraints
  '2.5.29.31', // cRLDistributionPoints
  '2.5.29.32', // certificatePolicies
  '2.5.29.33', // policyMappings
  '2.5.29.36', // policyConstraints
  '2.5.29.37', // extKeyUsage
  '2.5.29.54', // inhibitAnyPolicy
]);

/** RFC 7468 strict: BEGIN/END CERTIFICATE blocks with base64 inside, white space between them, nothing else. */
const STRICT_BLOCK = /^-----BEGIN CERTIFICATE-----\r?\n((?:[A-Za-z0-9+/=]+\r?\n)+)-----END CERTIFICATE-----(?:\r?\n|$)/;

function strictPemCertificates(text: string, what: string): { ders: Uint8Array[] } | { problem: string } {
  const ders: Uint8Array[] = [];
  let rest = text.replace(/^\s+/, '');
  while (rest !== '') {
    const match = STRICT_BLOCK.exec(rest);
    if (!match) {
      const label = /^-----BEGIN ([A-Z0-9 ]+)-----/.exec(rest)?.[1];
      if (label !== undefined && label !== 'CERTIFICATE') return { problem: `${what} holds a ${printable(label)} block, where only certificates belong` };
      return { problem: `${what} holds text that is not a PEM certificate${ders.length > 0 ? ` after certificate ${ders.length}` : ''}` };
    }
    const body = (match[1] ?? '').replace(/\s+/g, '');
    if (body.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(body)) return { problem: `certificate ${ders.length + 1} of ${what} is damaged (its PEM body is not base64)` };
    ders.push(new Uint8Array(Buffer.from(body, 'base64')));
    rest = rest.slice(match[0].length).replace(/^\s+/, '');
  }
  return { ders };
}

interface ParsedCertificate {
  node: NodeX509Certificate;
  fields: CertificateFields;
}

function parse(der: Uint8Array): ParsedCertificate | undefined {
  try {
    return { node: new NodeX509Certificate(der), fields: readCertificateFields(der) };
  } catch {
    return undefined;
  }
}

type Names = { san: string[]; others: string[]; commonName: string | undefined } | { problem: string };

/**
 * subjectAltName as canonical keys (`dns:` lowercased, `ip:` RFC 5952), every
 * other kind of name apart. Read from the DER itself: the IP address bytes are
 * compared as bytes, never through a library's text form of them.
 */
function certificateNames(fields: CertificateFields): Names {
  // One at most: readCertificateFields refuses any extension that appears twice.
  const extension = fields.extensions.find((candidate) => candidate.oid === OID.subjectAltName);
  const san: string[] = [];
  const others: string[] = [];
  if (extension) {
    let names;
    try {
      names = readGeneralNames(extension.value);
    } catch {
      return { problem: 'its subjectAltName cannot be parsed' };
    }
    for (const name of names) {
      const content = name.content;
      const kind = GENERAL_NAME_KINDS[name.tag] ?? `[${name.tag}]`;
      if (kind === 'dns') san.push(`dns:${Buffer.from(content).toString('latin1').toLowerCase()}`);
      else if (kind === 'ip') {
        const ip = formatIpAddress(content);
        if (ip === undefined) return { problem: `its subjectAltName holds an IP address of ${content.length} bytes` };
        san.push(`ip:${ip}`);
      } else others.push(kind === 'email' || kind === 'uri' ? `${kind}:${Buffer.from(content).toString('latin1')}` : `a ${kind} name`);
    }
  }
  const commonNames = nameField(fields.subject, OID.commonName);
  if (commonNames.length > 1) return { problem: 'its subject has more than one CN' };
  return { san, others, commonName: commonNames[0] };
}

/** A name as a comparable key: `dns:` lowercased, `ip:` in RFC 5952 form (`2001:DB8:0::1` and `2001:db8::1` are one name). */
function nameKey(identifier: Identifier): string {
  return identifier.type === 'ip' ? `ip:${normaliseIpAddress(identifier.value) ?? identifier.value}` : `dns:${identifier.value.toLowerCase()}`;
}

/** Keys shown as the names people write. */
function listOrNone(keys: readonly string[]): string {
  const shown = (key: string) => {
    const value = key.slice(key.indexOf(':') + 1);
    // A dNSName that reads as an IP address is not that address: say which it is.
    return key.startsWith('dns:') && normaliseIpAddress(value) !== undefined ? `DNS:${value}` : value;
  };
  return keys.length === 0 ? 'no name at all' : keys.map((key) => printable(shown(key))).join(', ');
}
