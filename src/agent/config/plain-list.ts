// The `certificate:` list of a client-config.yml, read without the YAML parser when it is written
// the plain way (`- domain: a.example` / `  issuer: pebble`, one plain word per value). A fleet's
// file is almost all list: for 5,000 certificates the yaml package spends most of an in-sync
// `agent --once` on it, building a node per key and value. Anything this reader does not know
// for certain (a quote, an anchor, a flow, a comment after a value, a key of another kind, a
// null, a repeated key, a tab, CR) gives undefined, and the whole file goes through YAML as before.
import { CERTIFICATE_FIELDS } from './schema.js';

/** One key of one certificate: its value as the YAML parser's conversion would give it, and its line. */
export interface PlainField {
  value: string | boolean | number;
  line: number;
}

export interface PlainCertificate {
  /** The line of the entry's `- `. */
  line: number;
  fields: Partial<Record<keyof typeof CERTIFICATE_FIELDS, PlainField>>;
}

export interface PlainCertificateList {
  /** The text with the list's lines emptied and `certificate: []` in place of its key: what YAML still parses. Lines keep their numbers. */
  rest: string;
  /**
   * Where that `[]` is in `rest`: the parse of `rest` must find it as the value of the document's
   * top-level `certificate` key, or the `certificate:` line was not that key (say, inside a flow
   * collection) and this reading does not hold.
   */
  placeholderOffset: number;
  certificates: PlainCertificate[];
}

const LIST_KEY = /^certificate: *$/;
const ANY_LIST_KEY = /^["']?certificate["']? *:/;
const TOP_LEVEL_KEY = /^[A-Za-z_][A-Za-z0-9_]*:(?: |$)/;
const BLANK_OR_COMMENT = /^ *(?:#.*)?$/;
/**
 * A plain scalar YAML reads as its own text in a string field: no indicator first (`*`, `&`, `!`,
 * `-`, quotes…), no `: ` or ` #` inside (no space at all), and not a null (`~` is excluded by the
 * first character, null spelt out below).
 */
const PLAIN_WORD = /^[A-Za-z0-9_][A-Za-z0-9_.\-/=,@+*]*$/;
const NULL_WORD = /^(?:null|Null|NULL)$/;
/** A decimal YAML reads as that number in every schema (no sign, no leading 0: `0600` is octal in YAML 1.1). */
const DECIMAL = /^(?:0|[1-9][0-9]{0,14})$/;
const PLACEHOLDER = 'certificate: []';

/** The plain list, or undefined when the file is not written that way (then YAML reads all of it). */
export function plainCertificateList(text: string): PlainCertificateList | undefined {
  if (text.includes('\r') || text.includes('\t')) return undefined;
  const lines = text.split('\n');
  const keyIndex = lines.findIndex((line) => LIST_KEY.test(line));
  if (keyIndex < 0 || lines.some((line, i) => i !== keyIndex && ANY_LIST_KEY.test(line))) return undefined;
  let indent: string | undefined;
  let item: RegExp | undefined;
  let field: RegExp | undefined;
  const certificates: PlainCertificate[] = [];
  let end = keyIndex + 1;
  for (; end < lines.length; end++) {
    const line = lines[end]!;
    if (BLANK_OR_COMMENT.test(line)) continue;
    if (indent === undefined) {
      indent = /^( *)- /.exec(line)?.[1];
      if (indent === undefined) return undefined;
      item = new RegExp(`^${indent}- ([a-z_]+): ([^ ]+) *$`);
      field = new RegExp(`^${indent}  ([a-z_]+): ([^ ]+) *$`);
    }
    const lineNumber = end + 1;
    const first = item!.exec(line);
    if (first) {
      certificates.push({ line: lineNumber, fields: {} });
      if (!addField(certificates[certificates.length - 1]!, first[1]!, first[2]!, lineNumber)) return undefined;
      continue;
    }
    const next = field!.exec(line);
    if (next) {
      const current = certificates[certificates.length - 1];
      if (current === undefined || !addField(current, next[1]!, next[2]!, lineNumber)) return undefined;
      continue;
    }
    // The next top-level key ends the list; any other line is YAML this reader does not know.
    if (line.startsWith(' ') || !TOP_LEVEL_KEY.test(line)) return undefined;
    break;
  }
  if (certificates.length === 0) return undefined;
  const before = lines.slice(0, keyIndex);
  const rest = [...before, PLACEHOLDER, ...lines.slice(keyIndex + 1, end).map(() => ''), ...lines.slice(end)].join('\n');
  const placeholderOffset = before.reduce((offset, line) => offset + line.length + 1, 0) + PLACEHOLDER.indexOf('[');
  return { rest, placeholderOffset, certificates };
}

/** Adds one `key: value`; false when this reader cannot be sure what YAML would make of it. */
function addField(certificate: PlainCertificate, key: string, word: string, line: number): boolean {
  if (!Object.hasOwn(CERTIFICATE_FIELDS, key)) return false; // an unknown key: YAML's reading warns about it
  const name = key as keyof typeof CERTIFICATE_FIELDS;
  if (certificate.fields[name] !== undefined || !PLAIN_WORD.test(word) || NULL_WORD.test(word)) return false;
  const value = valueOf(CERTIFICATE_FIELDS[name], word);
  if (value === undefined) return false;
  certificate.fields[name] = { value, line };
  return true;
}

function valueOf(kind: (typeof CERTIFICATE_FIELDS)[keyof typeof CERTIFICATE_FIELDS], word: string): string | boolean | number | undefined {
  switch (kind) {
    case 'string':
      return word;
    case 'bool':
      return word === 'true' ? true : word === 'false' ? false : undefined;
    case 'int':
      return DECIMAL.test(word) ? Number(word) : undefined;
  }
}
