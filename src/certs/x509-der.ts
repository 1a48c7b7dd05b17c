// The X.509 (RFC 5280) and PKCS#10 (RFC 2986) structures acmecli reads and writes itself, on top
// of der.ts. node:crypto's X509Certificate parses, verifies and gives keys and dates, but it does not
// expose a certificate's extensions as bytes nor build anything; this module does the rest, strictly.
import { UsageError } from '../errors.js';
import { ipAddressBytes, type Identifier } from './identifiers.js';
import { DerError, TAG, children, concatBytes, content, decodeOid, encodeConstructed, encodeOid, encodeTlv, readWhole, type Tlv } from './der.js';

export const OID = {
  commonName: '2.5.4.3',
  subjectAltName: '2.5.29.17',
  authorityKeyIdentifier: '2.5.29.35',
  extensionRequest: '1.2.840.113549.1.9.14',
  /** RFC 5758 §3.2. */
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
} as const;

/** One AttributeTypeAndValue: `text` for a string type, undefined for any other (shown as `#hex`). */
export interface NameAttribute {
  oid: string;
  text: string | undefined;
  der: Uint8Array;
}

/** RDNSequence: RDNs in encoded order, each a SET of attributes. */
export type DistinguishedName = NameAttribute[][];

export interface Extension {
  oid: string;
  critical: boolean;
  /** extnValue's content octets: the DER of the extension itself. */
  value: Uint8Array;
}

export interface CertificateFields {
  /** serialNumber's content octets exactly as encoded (a leading 0x00 sign byte is kept). */
  serial: Uint8Array;
  issuer: DistinguishedName;
  subject: DistinguishedName;
  extensions: Extension[];
}

/**
 * Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue }, and
 * TBSCertificate ::= SEQUENCE { version [0] EXPLICIT DEFAULT v1, serialNumber, signature, issuer,
 * validity, subject, subjectPublicKeyInfo, issuerUniqueID [1], subjectUniqueID [2], extensions [3] }.
 * @throws DerError for anything else.
 */
export function readCertificateFields(der: Uint8Array): CertificateFields {
  const certificate = readWhole(der, TAG.sequence);
  const [tbs, signatureAlgorithm, signature, ...extra] = children(der, certificate);
  if (!tbs || tbs.tag !== TAG.sequence || signatureAlgorithm?.tag !== TAG.sequence || signature?.tag !== TAG.bitString || extra.length > 0) {
    throw new DerError('not a certificate');
  }
  const fields = children(der, tbs);
  let at = 0;
  if (fields[at]?.tag === 0xa0) at++;
  const [serial, algorithm, issuer, validity, subject, spki, ...optional] = fields.slice(at);
  if (serial?.tag !== TAG.integer || algorithm?.tag !== TAG.sequence || issuer?.tag !== TAG.sequence || validity?.tag !== TAG.sequence || subject?.tag !== TAG.sequence || spki?.tag !== TAG.sequence) {
    throw new DerError('not a certificate');
  }
  let extensions: Extension[] = [];
  for (const field of optional) {
    if (field.tag === 0x81 || field.tag === 0x82 || field.tag === 0xa1 || field.tag === 0xa2) continue;
    if (field.tag !== 0xa3 || optional.indexOf(field) !== optional.length - 1) throw new DerError('not a certificate');
    const [list, ...rest] = children(der, field);
    if (list?.tag !== TAG.sequence || rest.length > 0) throw new DerError('damaged extensions');
    extensions = readExtensions(der, list);
  }
  return { serial: content(der, serial), issuer: readName(der, issuer), subject: readName(der, subject), extensions };
}

/**
 * Extensions ::= SEQUENCE OF SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }.
 * Each extension at most once (RFC 5280 §4.2): with two, readers disagree on which one counts (Go
 * keeps the last subjectAltName, a first-match reader the first), so a name could be checked here
 * and another one issued or trusted.
 */
function readExtensions(bytes: Uint8Array, list: Tlv): Extension[] {
  const seen = new Set<string>();
  return children(bytes, list).map((extension) => {
    if (extension.tag !== TAG.sequence) throw new DerError('damaged extension');
    const parts = children(bytes, extension);
    const [id, second, third, ...rest] = parts;
    if (id?.tag !== TAG.oid || rest.length > 0) throw new DerError('damaged extension');
    let critical = false;
    let value = second;
    if (second?.tag === TAG.boolean) {
      const flag = content(bytes, second);
      // DER TRUE is 0xff. Readers disagree on other bytes (OpenSSL: any non-zero is true; Go: malformed),
      // so a certificate with 0x01 could be checked here and refused by a Go server. An explicit FALSE
      // (0x00) is not DER either, but every reader takes it as false.
      if (flag.length !== 1 || (flag[0] !== 0xff && flag[0] !== 0x00)) throw new DerError('damaged extension: its critical flag is neither TRUE (0xff) nor FALSE');
      critical = flag[0] === 0xff;
      value = third;
    } else if (third !== undefined) throw new DerError('damaged extension');
    if (value?.tag !== TAG.octetString) throw new DerError('damaged extension');
    const oid = decodeOid(content(bytes, id));
    if (seen.has(oid)) throw new DerError(`extension ${oid} appears more than once`);
    seen.add(oid);
    return { oid, critical, value: content(bytes, value) };
  });
}

/** Name ::= SEQUENCE OF RelativeDistinguishedName (SET OF SEQUENCE { type OID, value ANY }). */
function readName(bytes: Uint8Array, name: Tlv): DistinguishedName {
  return children(bytes, name).map((rdn) => {
    if (rdn.tag !== TAG.set) throw new DerError('damaged name');
    return children(bytes, rdn).map((attribute) => {
      const [type, value, ...rest] = attribute.tag === TAG.sequence ? children(bytes, attribute) : [];
      if (type?.tag !== TAG.oid || value === undefined || rest.length > 0) throw new DerError('damaged name');
      return { oid: decodeOid(content(bytes, type)), text: attributeText(value.tag, content(bytes, value)), der: bytes.subarray(value.start, value.end) };
    });
  });
}

function attributeText(tag: number, octets: Uint8Array): string | undefined {
  const buffer = Buffer.from(octets.buffer, octets.byteOffset, octets.byteLength);
  switch (tag) {
    case TAG.utf8String:
      return buffer.toString('utf8');
    case TAG.printableString:
    case TAG.teletexString:
    case TAG.ia5String:
      return buffer.toString('latin1');
    case TAG.bmpString:
      if (octets.length % 2 !== 0) throw new DerError('damaged BMPString');
      return Buffer.from(buffer).swap16().toString('utf16le');
    case TAG.universalString: {
      if (octets.length % 4 !== 0) throw new DerError('damaged UniversalString');
      let text = '';
      for (let i = 0; i < octets.length; i += 4) {
        // UCS-4 code points only: reading U+110061 modulo 0x110000 as 'a' would let a name say one
        // thing to us and another (or nothing valid) to OpenSSL and the CA.
        const codePoint = buffer.readUInt32BE(i);
        if (codePoint > 0x10ffff || (codePoint >= 0xd800 && codePoint <= 0xdfff)) throw new DerError('damaged UniversalString');
        text += String.fromCodePoint(codePoint);
      }
      return text;
    }
    default:
      return undefined;
  }
}

/** The text values of every attribute of type `oid`, in encoded order. */
export function nameField(name: DistinguishedName, oid: string): string[] {
  return name.flat().filter((attribute) => attribute.oid === oid).map((attribute) => attribute.text ?? `#${Buffer.from(attribute.der).toString('hex')}`);
}

const SHORT_NAMES: Record<string, string> = {
  '2.5.4.3': 'CN', '2.5.4.7': 'L', '2.5.4.8': 'ST', '2.5.4.10': 'O', '2.5.4.11': 'OU', '2.5.4.6': 'C',
  '0.9.2342.19200300.100.1.25': 'DC', '1.2.840.113549.1.9.1': 'E', '2.5.4.42': 'G', '2.5.4.43': 'I', '2.5.4.4': 'SN', '2.5.4.12': 'T',
};

/** RFC 4514-style, RDNs in encoded order joined by ', ', as `cert show` has always printed them: 'CN=example.com'. */
export function formatName(name: DistinguishedName): string {
  return name
    .map((rdn) => rdn.map((attribute) => `${SHORT_NAMES[attribute.oid] ?? attribute.oid}=${attribute.text === undefined ? `#${Buffer.from(attribute.der).toString('hex')}` : escapeValue(attribute.text)}`).join('+'))
    .join(', ');
}

function escapeValue(value: string): string {
  return value
    .replace(/([,+"\\<>;])/g, '\\$1')
    .replace(/^([ #])/, '\\$1')
    .replace(/([ ]$)/, '\\$1')
    .replace(/[\r\n\t]/g, (char) => `\\${char.charCodeAt(0).toString(16).padStart(2, '0').toUpperCase()}`);
}

/** GeneralName (RFC 5280 §4.2.1.6): its context tag and content octets (IMPLICIT for the primitive kinds). */
export interface GeneralName {
  tag: number;
  content: Uint8Array;
}

/** GeneralName CHOICE tags, context-specific, as the kind of name they are. */
export const GENERAL_NAME_KINDS: Readonly<Record<number, string>> = {
  0xa0: 'otherName', 0x81: 'email', 0x82: 'dns', 0xa3: 'x400Address', 0xa4: 'directoryName', 0xa5: 'ediPartyName', 0x86: 'uri', 0x87: 'ip', 0x88: 'registeredID',
};

/** subjectAltName's value: GeneralNames ::= SEQUENCE SIZE (1..MAX) OF GeneralName, nothing after it. */
export function readGeneralNames(value: Uint8Array): GeneralName[] {
  const names = readWhole(value, TAG.sequence);
  return children(value, names).map((name) => ({ tag: name.tag, content: content(value, name) }));
}

/** AuthorityKeyIdentifier ::= SEQUENCE { keyIdentifier [0] IMPLICIT OCTET STRING OPTIONAL, [1], [2] }. */
export function readAuthorityKeyIdentifier(value: Uint8Array): Uint8Array | undefined {
  const aki = readWhole(value, TAG.sequence);
  const keyIdentifier = children(value, aki).find((field) => field.tag === 0x80);
  return keyIdentifier === undefined ? undefined : content(value, keyIdentifier);
}

export interface CsrFields {
  /** The DER of CertificationRequestInfo: what the signature covers. */
  info: Uint8Array;
  subject: DistinguishedName;
  /** SubjectPublicKeyInfo DER. */
  spki: Uint8Array;
  /** From the extensionRequest attribute (RFC 2985 §5.4.2), empty without one. */
  extensions: Extension[];
  signatureAlgorithm: string;
  /** The AlgorithmIdentifier's parameters' DER; undefined when absent. */
  signatureParameters: Uint8Array | undefined;
  signature: Uint8Array;
}

/**
 * CertificationRequest ::= SEQUENCE { certificationRequestInfo, signatureAlgorithm, signature BIT STRING },
 * CertificationRequestInfo ::= SEQUENCE { version INTEGER, subject Name, subjectPKInfo, attributes [0] }.
 * @throws DerError for anything else.
 */
export function readCsrFields(der: Uint8Array): CsrFields {
  const request = readWhole(der, TAG.sequence);
  const [info, algorithm, signature, ...extra] = children(der, request);
  if (info?.tag !== TAG.sequence || algorithm?.tag !== TAG.sequence || signature?.tag !== TAG.bitString || extra.length > 0) throw new DerError('not a certificate request');
  const [version, subject, spki, attributes, ...rest] = children(der, info);
  if (version?.tag !== TAG.integer || subject?.tag !== TAG.sequence || spki?.tag !== TAG.sequence || attributes?.tag !== 0xa0 || rest.length > 0) {
    throw new DerError('not a certificate request');
  }
  // RFC 2986 §4.1: version is 0 (v1), the only version there is; anything else is another format or a forgery.
  if (!Buffer.from(content(der, version)).equals(Buffer.from([0]))) throw new DerError('not a version 1 certificate request');
  let extensions: Extension[] | undefined;
  for (const attribute of children(der, attributes)) {
    const [type, values, ...more] = attribute.tag === TAG.sequence ? children(der, attribute) : [];
    if (type?.tag !== TAG.oid || values?.tag !== TAG.set || more.length > 0) throw new DerError('damaged attribute');
    if (decodeOid(content(der, type)) !== OID.extensionRequest) continue;
    // One extensionRequest: with two, a CA may merge them while we would read only one.
    if (extensions !== undefined) throw new DerError('more than one extensionRequest attribute');
    const [list, ...others] = children(der, values);
    if (list?.tag !== TAG.sequence || others.length > 0) throw new DerError('damaged extensionRequest');
    extensions = readExtensions(der, list);
  }
  const [algorithmId, parameters, ...moreParameters] = children(der, algorithm);
  if (algorithmId?.tag !== TAG.oid || moreParameters.length > 0) throw new DerError('damaged signature algorithm');
  const bits = content(der, signature);
  if (bits[0] !== 0) throw new DerError('damaged signature');
  return {
    info: der.subarray(info.start, info.end),
    subject: readName(der, subject),
    spki: der.subarray(spki.start, spki.end),
    extensions: extensions ?? [],
    signatureAlgorithm: decodeOid(content(der, algorithmId)),
    signatureParameters: parameters === undefined ? undefined : der.subarray(parameters.start, parameters.end),
    signature: bits.subarray(1),
  };
}

/** Name with one RDN, CN as UTF8String (RFC 5280 §4.1.2.6: UTF8String for new names); an empty Name without one. */
export function encodeCommonNameOnly(commonName: string | undefined): Uint8Array {
  if (commonName === undefined) return encodeTlv(TAG.sequence, new Uint8Array(0));
  const attribute = encodeConstructed(TAG.sequence, [encodeOid(OID.commonName), encodeTlv(TAG.utf8String, Buffer.from(commonName, 'utf8'))]);
  return encodeConstructed(TAG.sequence, [encodeConstructed(TAG.set, [attribute])]);
}

/** GeneralName CHOICE tags (RFC 5280 §4.2.1.6), context-specific and implicit: dNSName [2] IA5String, iPAddress [7] OCTET STRING. */
const GENERAL_NAME_TAG = { dns: 0x82, ip: 0x87 } as const;

/** SubjectAltName's extnValue: GeneralNames ::= SEQUENCE OF GeneralName. */
export function encodeSubjectAltName(identifiers: readonly Identifier[]): Uint8Array {
  const names = identifiers.map((identifier) => {
    const content = identifier.type === 'dns' ? new TextEncoder().encode(identifier.value) : ipAddressBytes(identifier.value);
    if (content === undefined) throw new UsageError(`invalid IP address "${identifier.value}"`);
    return encodeTlv(GENERAL_NAME_TAG[identifier.type], content);
  });
  return encodeTlv(0x30, concatBytes(names));
}

export function encodeExtension(extension: Extension): Uint8Array {
  return encodeConstructed(TAG.sequence, [
    encodeOid(extension.oid),
    ...(extension.critical ? [new Uint8Array([TAG.boolean, 1, 0xff])] : []),
    encodeTlv(TAG.octetString, extension.value),
  ]);
}

/** AlgorithmIdentifier: RSA's PKCS#1 signatures carry NULL parameters, ECDSA's none (RFC 5758 §3.2). */
export function encodeAlgorithmIdentifier(oid: string, nullParameters: boolean): Uint8Array {
  return encodeConstructed(TAG.sequence, [encodeOid(oid), ...(nullParameters ? [new Uint8Array([TAG.null, 0])] : [])]);
}

/** SEQUENCE { toBeSigned, algorithm, BIT STRING signature }: a signed certificate or request. */
export function encodeSigned(toBeSigned: Uint8Array, algorithm: Uint8Array, signature: Uint8Array): Uint8Array {
  return encodeConstructed(TAG.sequence, [toBeSigned, algorithm, encodeTlv(TAG.bitString, concatBytes([new Uint8Array([0]), signature]))]);
}

/** CertificationRequestInfo with the extensions in one extensionRequest attribute. */
export function encodeCsrInfo(subject: Uint8Array, spki: Uint8Array, extensions: readonly Extension[]): Uint8Array {
  const extensionRequest = encodeConstructed(TAG.sequence, [
    encodeOid(OID.extensionRequest),
    encodeConstructed(TAG.set, [encodeConstructed(TAG.sequence, extensions.map(encodeExtension))]),
  ]);
  return encodeConstructed(TAG.sequence, [new Uint8Array([TAG.integer, 1, 0]), subject, spki, encodeConstructed(0xa0, [extensionRequest])]);
}

/** Time (RFC 5280 §4.1.2.5): UTCTime through 2049, GeneralizedTime from 2050, whole seconds, Z. */
export function encodeTime(date: Date): Uint8Array {
  const iso = date.toISOString();
  const digits = iso.slice(0, 19).replace(/[-T:]/g, '');
  const year = date.getUTCFullYear();
  return year < 2050 ? encodeTlv(TAG.utcTime, Buffer.from(`${digits.slice(2)}Z`, 'latin1')) : encodeTlv(TAG.generalizedTime, Buffer.from(`${digits}Z`, 'latin1'));
}

/** TBSCertificate, v3. */
export function encodeTbsCertificate(fields: {
  serial: Uint8Array;
  algorithm: Uint8Array;
  issuer: Uint8Array;
  notBefore: Date;
  notAfter: Date;
  subject: Uint8Array;
  spki: Uint8Array;
  extensions: readonly Extension[];
}): Uint8Array {
  return encodeConstructed(TAG.sequence, [
    encodeConstructed(0xa0, [new Uint8Array([TAG.integer, 1, 2])]),
    encodeTlv(TAG.integer, fields.serial),
    fields.algorithm,
    fields.issuer,
    encodeConstructed(TAG.sequence, [encodeTime(fields.notBefore), encodeTime(fields.notAfter)]),
    fields.subject,
    fields.spki,
    encodeConstructed(0xa3, [encodeConstructed(TAG.sequence, fields.extensions.map(encodeExtension))]),
  ]);
}
