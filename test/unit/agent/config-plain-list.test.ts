// The plain certificate list (src/agent/config/plain-list.ts) must read a file exactly as YAML does,
// and hand anything else to YAML. The YAML reading of the same file is had with CRLF line ends, which
// YAML reads as the same lines and the plain reader refuses.
import { describe, expect, test } from 'vitest';
import { parseClientConfig } from '../../../src/agent/config/parse.js';
import { plainCertificateList } from '../../../src/agent/config/plain-list.js';

const FILE = 'client-config.yml';

/** What parseClientConfig gives, or the message it throws. */
function outcome(text: string): unknown {
  try {
    const config = parseClientConfig(text, FILE);
    return { ...config, lines: [...config.lines] };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

const throughYaml = (text: string) => outcome(text.replaceAll('\n', '\r\n'));

const PLAIN = [
  '# the fleet',
  'common:',
  '  certificate_deploy: true',
  '  certificate_dir: /srv/tls/',
  '  cert_days: 90',
  'certificate:',
  '  - domain: a.example',
  '    issuer: pebble',
  '',
  '  # the named one',
  '  - domain: b.example',
  '    issuer: other',
  '    name: b_named',
  '    san: b.example,*.b.example',
  '    bundle: true',
  '    days: 30',
  '    renewal_days: 10-12',
  '    labels: team=web,env=prod',
  '    key_type: RSA2048',
  '    dns_challenge: route53',
  '    profile: tlsserver',
  '  - issuer: pebble',
  '    domain: c.example',
  '    bundle: false',
  '    days: 0',
  'storage:',
  '  vault:',
  '    url: https://vault.example',
  '',
].join('\n');

describe('the plain certificate list', () => {
  test('reads a plain list as YAML does: values, kinds, lines, defaults, and the rest of the file', () => {
    const plain = plainCertificateList(PLAIN);
    expect(plain?.certificates.map((c) => c.line)).toEqual([7, 11, 22]);
    expect(plain?.certificates[1]?.fields.bundle).toEqual({ value: true, line: 15 });
    expect(plain?.certificates[1]?.fields.days).toEqual({ value: 30, line: 16 });
    const config = outcome(PLAIN) as { certificates: unknown[]; common: { certificateDir: string } };
    expect(config).toEqual(throughYaml(PLAIN));
    expect(config.certificates).toHaveLength(3);
    expect(config.common.certificateDir).toBe('/srv/tls/');
  });

  test('any indentation of the items, and a list at the end of the file', () => {
    for (const indent of ['', '    ']) {
      const text = ['certificate:', `${indent}- domain: a.example`, `${indent}  issuer: pebble`, `${indent}- domain: b.example`, `${indent}  issuer: pebble`].join('\n');
      expect(plainCertificateList(text)?.certificates).toHaveLength(2);
      expect(outcome(text)).toEqual(throughYaml(text));
    }
  });

  test('a value YAML reads otherwise, or YAML that is not plain, goes through YAML with the same result', () => {
    const variants: Record<string, string> = {
      quoted: '    name: "quoted"',
      'null name (the default)': '    name: null',
      'tilde name (the default)': '    name: ~',
      'empty name (the default)': '    name:',
      'YAML 1.1 boolean': '    bundle: yes',
      'octal days': '    days: 030',
      'negative days': '    days: -1',
      'bundle as text': '    bundle: "true"',
      'alias to no anchor': '    san: *.b.example',
      'comment after a value': '    name: n1 # the first',
      'unknown key': '    nmae: n1',
      'repeated key': '    issuer: other',
      'merge key': '    <<: *defaults',
      'flow mapping item': '  - {domain: z.example, issuer: pebble}',
      'deeper line': '      continued',
      'tab': '    name:\tn1',
      'two spaces': '    name:  n1',
      'document end': '...',
    };
    for (const [what, line] of Object.entries(variants)) {
      const text = ['common:', '  cert_days: 90', 'certificate:', '  - domain: a.example', '    issuer: pebble', line, '  - domain: b.example', '    issuer: pebble', ''].join('\n');
      expect(plainCertificateList(text), what).toBeUndefined();
      expect(outcome(text), what).toEqual(throughYaml(text));
    }
  });

  test('a `certificate:` line that is not the top-level key is left to YAML', () => {
    const inFlow = ['common: {certificate_deploy: true,', 'certificate: x}', 'certificate:', '  - domain: a.example', '    issuer: pebble'].join('\n');
    expect(plainCertificateList(inFlow)).toBeUndefined(); // named twice
    const inBlockScalar = ['common:', '  post_cmd_run: |', '    echo', 'certificate:', '  - domain: a.example', '    issuer: pebble'].join('\n');
    expect(outcome(inBlockScalar)).toEqual(throughYaml(inBlockScalar));
    const inFlowOnly = ['common: {a: 1,', 'certificate:', '  - domain: a.example', '    issuer: pebble', 'x: 1}'].join('\n');
    expect(plainCertificateList(inFlowOnly)).toBeDefined();
    expect(outcome(inFlowOnly)).toEqual(throughYaml(inFlowOnly));
    expect(outcome(inFlowOnly)).toMatchObject({ error: expect.stringMatching(/^client-config\.yml:\d+: /) });
  });

  test('errors name the same line and key either way', () => {
    const cases = [
      ['  - domain: a..example', '    issuer: pebble'],
      ['  - domain: a.example', '    issuer: pebble', '  - domain: a.example', '    issuer: pebble'],
      ['  - domain: a.example', '    issuer: pebble', '    key_type: rsa8192'],
      ['  - domain: a.example', '    issuer: pebble', '    renewal_days: 95'],
      ['  - domain: a.example'],
      ['  - domain: a.example', '    issuer: pebble', '    http_challenge: h', '    dns_challenge: d'],
    ];
    for (const entries of cases) {
      const text = ['common:', '  cert_days: 90', 'certificate:', ...entries, ''].join('\n');
      expect(plainCertificateList(text)).toBeDefined();
      const plain = outcome(text);
      expect(plain).toHaveProperty('error');
      expect(plain).toEqual(throughYaml(text));
    }
  });

  test('a syntax error elsewhere in the file is reported as YAML reports it', () => {
    const text = ['common:', '  certificate_dir: [', 'certificate:', '  - domain: a.example', '    issuer: pebble', ''].join('\n');
    expect(outcome(text)).toEqual(throughYaml(text));
    expect(outcome(text)).toHaveProperty('error');
  });
});
