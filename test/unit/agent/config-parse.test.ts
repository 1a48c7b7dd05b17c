import { describe, expect, test } from 'vitest';
import { parseClientConfig } from '../../../src/agent/config/parse.js';
import { COMMON_DEFAULTS, ClientConfigError, VAULT_DEFAULTS } from '../../../src/agent/config/schema.js';

const FILE = 'client-config.yml';

/** The user guide's client configuration, with its two mistakes put right (the trailing / and cert_prefix). */
const USER_GUIDE_CONFIG = `common:
  # Default certificate settings
  cert_days: 90 # Default validity period
  cert_days_renewal: "20-30" # Default renewal window
  # Certificate deployment
  certificate_deploy: true
  certificate_backup: false # Backup certs/keys to Vault
  certificate_dir: /etc/ssl/certificates/
  certificate_dir_perm: 0700
  certificate_file_perm: 0600
  certificate_keyfile_perm: 0600
  certificate_file_ext: ".crt"
  certificate_keyfile_ext: ".key"
  certificate_ca_file_ext: ".ca.crt" # Used when bundle=false
  certificate_keyfile_no_generate: false # Use existing local key
  certificate_timeout: 180 # Timeout for cert operations
  # Command execution
  cmd_enabled: true
  pre_cmd_run: "" # Command before deployment
  pre_cmd_timeout: 60
  post_cmd_run: "systemctl reload nginx"
  post_cmd_timeout: 60
  # Certificate lifecycle
  revoke_on_update: false
  revoke_on_delete: false
  delay_before_delete: "" # e.g., "24h"
certificate:
  - domain: "example.com"
    issuer: "letsencrypt"
    dns_challenge: "cloudflare"
    san: "www.example.com,api.example.com"
    days: 90 # Override default validity
    renewal_days: "30" # Override default renewal window
    bundle: true
    key_type: "ec256"
    labels: "env=prod,team=infra"
    profile: "" # ACME profile (if CA supports it)
storage:
  vault:
    url: "https://vault.example.com"
    role_id: "your-role-id"
    secret_id: "your-secret-id"
    certificate_prefix: "secret/acme-manager/certificates" # For certificate_backup
`;

function parseError(text: string): ClientConfigError {
  try {
    parseClientConfig(text, FILE);
  } catch (err) {
    expect(err).toBeInstanceOf(ClientConfigError);
    expect((err as ClientConfigError).code).toBe('USAGE');
    return err as ClientConfigError;
  }
  throw new Error('expected the configuration to be refused');
}

describe('parseClientConfig: a valid file', () => {
  test('the user guide example, with every key typed and the rest defaulted', () => {
    const config = parseClientConfig(USER_GUIDE_CONFIG, FILE);
    expect(config.warnings).toEqual([]);
    expect(config.common).toEqual({
      ...COMMON_DEFAULTS,
      certDays: 90,
      certDaysRenewal: '20-30',
      certificateDeploy: true,
      certificateDir: '/etc/ssl/certificates/',
      certificateDirMode: 0o700,
      certificateFileMode: 0o600,
      certificateKeyFileMode: 0o600,
      certificateTimeoutMs: 180_000,
      cmdEnabled: true,
      postCmdRun: 'systemctl reload nginx',
      preCmdTimeoutMs: 60_000,
      postCmdTimeoutMs: 60_000,
      httpClientRetryMax: 4,
      httpClientRetryWaitMinMs: 1_000,
      httpClientRetryWaitMaxMs: 30_000,
    });
    expect(config.certificates).toEqual([
      {
        domain: 'example.com',
        issuer: 'letsencrypt',
        name: '',
        bundle: true,
        san: 'www.example.com,api.example.com',
        sanNames: ['www.example.com', 'api.example.com'],
        days: 90,
        renewalDays: '30',
        dnsChallenge: 'cloudflare',
        httpChallenge: '',
        keyType: 'ec256',
        labels: 'env=prod,team=infra',
        profile: '',
        line: 28,
      },
    ]);
    expect(config.vault).toEqual({
      ...VAULT_DEFAULTS,
      url: 'https://vault.example.com',
      roleId: 'your-role-id',
      secretId: 'your-secret-id',
      certificatePrefix: 'secret/acme-manager/certificates',
      retryMax: 3,
      retryWaitMinMs: 1_000,
      retryWaitMaxMs: 10_000,
    });
    expect(config.lines.get('common.certificate_dir')).toBe(8);
    // A certificate's keys are not kept by path: the entry carries its line (28 above).
    expect(config.lines.get('certificate[0].key_type')).toBeUndefined();
  });

  test('an empty file is every default, with no certificates (pull-only)', () => {
    for (const text of ['', '# nothing\n', 'common:\ncertificate:\nstorage:\n']) {
      const config = parseClientConfig(text, FILE);
      expect(config.common).toEqual(COMMON_DEFAULTS);
      expect(config.vault).toEqual(VAULT_DEFAULTS);
      expect(config.certificates).toEqual([]);
    }
  });

  test('the documented defaults', () => {
    const { common, vault } = parseClientConfig('common: {}\n', FILE);
    expect(common).toMatchObject({
      certificateDeploy: false, certificateBackup: false, certificateDir: '', certificateDirMode: 0o700, certificateFileMode: 0o600,
      certificateKeyFileMode: 0o600, certificateFileExt: '.crt', certificateKeyFileExt: '.key', certificateCaFileExt: '.ca.crt',
      certificateKeyFileNoGenerate: false, certificateTimeoutMs: 270_000, certDays: 0, certDaysRenewal: '20-30', cmdEnabled: false,
      preCmdRun: '', postCmdRun: '', preCmdTimeoutMs: 60_000, postCmdTimeoutMs: 60_000, revokeOnUpdate: false, revokeOnDelete: false,
      delayBeforeDelete: '', delayBeforeDeleteMs: 0, httpClientRetryMax: 4, httpClientRetryWaitMinMs: 1_000, httpClientRetryWaitMaxMs: 30_000,
      httpClientRetryStatusCodes: [], httpClientDebug: false,
    });
    expect(vault).toMatchObject({ retryMax: 3, retryWaitMinMs: 1_000, retryWaitMaxMs: 10_000 });
  });

  test('0 means the default for timeouts, retries and modes, as in the Go client', () => {
    const { common, vault } = parseClientConfig(
      'common:\n  certificate_timeout: 0\n  http_client_retry_max: 0\n  http_client_retry_wait_min: 0\n  certificate_dir_perm: 0\n  pre_cmd_timeout: 0\nstorage:\n  vault:\n    retry_max: 0\n',
      FILE,
    );
    expect(common).toMatchObject({ certificateTimeoutMs: 270_000, httpClientRetryMax: 4, httpClientRetryWaitMinMs: 1_000, certificateDirMode: 0o700, preCmdTimeoutMs: 60_000 });
    expect(vault.retryMax).toBe(3);
  });

  test('every common key set', () => {
    const { common } = parseClientConfig(`common:
  certificate_backup: yes
  certificate_file_ext: .pem
  certificate_keyfile_ext: -key.pem
  certificate_ca_file_ext: -chain.pem
  certificate_keyfile_no_generate: on
  pre_cmd_run: /usr/local/bin/pre
  pre_cmd_timeout: 5
  revoke_on_update: true
  revoke_on_delete: true
  delay_before_delete: 1d
  http_client_retry_max: 2
  http_client_retry_wait_min: 2
  http_client_retry_wait_max: 20
  http_client_retry_status_code: [408, 425]
  http_client_debug: true
storage:
  vault: {url: "http://127.0.0.1:8200", role_id: r, secret_id: s}
`, FILE);
    expect(common).toMatchObject({
      certificateBackup: true, certificateFileExt: '.pem', certificateKeyFileExt: '-key.pem', certificateCaFileExt: '-chain.pem',
      certificateKeyFileNoGenerate: true, preCmdRun: '/usr/local/bin/pre', preCmdTimeoutMs: 5_000, revokeOnUpdate: true, revokeOnDelete: true,
      delayBeforeDelete: '1d', delayBeforeDeleteMs: 86_400_000, httpClientRetryMax: 2, httpClientRetryWaitMinMs: 2_000, httpClientRetryWaitMaxMs: 20_000,
      httpClientRetryStatusCodes: [408, 425], httpClientDebug: true,
    });
  });

  test('delay_before_delete: 1d is 86400000 ms (the Go client deletes at once), and 24h the same', () => {
    expect(parseClientConfig('common:\n  delay_before_delete: 1d\n', FILE).common.delayBeforeDeleteMs).toBe(86_400_000);
    expect(parseClientConfig('common:\n  delay_before_delete: "24h"\n', FILE).common.delayBeforeDeleteMs).toBe(86_400_000);
  });

  test('certificate defaults: key_type ec256, days from cert_days, the rest empty', () => {
    const [cert] = parseClientConfig('common:\n  cert_days: 30\ncertificate:\n  - domain: a.example\n    issuer: le\n', FILE).certificates;
    expect(cert).toEqual({
      domain: 'a.example', issuer: 'le', name: '', bundle: false, san: '', sanNames: [], days: 30, renewalDays: '', dnsChallenge: '',
      httpChallenge: '', keyType: 'ec256', labels: '', profile: '', line: 4,
    });
  });

  test('a named certificate with every key; key_type is case-insensitive; renewal_days may be a plain number', () => {
    const [cert] = parseClientConfig(`certificate:
  - name: web
    domain: "*.example.com"
    issuer: letsencrypt
    bundle: false
    san: example.com,192.0.2.1,2001:db8::1
    days: 60
    renewal_days: 20
    http_challenge: kvring
    key_type: RSA4096
    labels: env=prod,_team=infra
    profile: shortlived
`, FILE).certificates;
    expect(cert).toMatchObject({
      name: 'web', domain: '*.example.com', san: 'example.com,192.0.2.1,2001:db8::1', sanNames: ['example.com', '192.0.2.1', '2001:db8::1'],
      days: 60, renewalDays: '20', httpChallenge: 'kvring', keyType: 'rsa4096', labels: 'env=prod,_team=infra', profile: 'shortlived',
    });
  });

  test('the same issuer/domain twice is fine when the certificates have different names', () => {
    const config = parseClientConfig('certificate:\n  - {domain: a.example, issuer: le, name: one}\n  - {domain: a.example, issuer: le, name: two}\n  - {domain: a.example, issuer: le}\n', FILE);
    expect(config.certificates.map((c) => c.name)).toEqual(['one', 'two', '']);
  });

  test('anchors and << merge keys, as yaml.v3 reads them', () => {
    const config = parseClientConfig(`defaults: &defaults
  issuer: letsencrypt
  key_type: ec384
  bundle: true
certificate:
  - <<: *defaults
    domain: a.example
  - <<: *defaults
    domain: b.example
    key_type: rsa2048
`, FILE);
    expect(config.certificates.map((c) => [c.domain, c.issuer, c.keyType, c.bundle])).toEqual([
      ['a.example', 'letsencrypt', 'ec384', true],
      ['b.example', 'letsencrypt', 'rsa2048', true],
    ]);
    expect(config.warnings).toEqual([`${FILE}:1: defaults: unknown key, ignored`]);
  });
});

describe('parseClientConfig: file modes', () => {
  test.each([
    ['0600', 0o600],
    ['0700', 0o700],
    ['0640', 0o640],
    ['0o644', 0o644],
    ['"0600"', 0o600], // quoted: read as octal too (the Go client refuses a string)
    ["'0750'", 0o750],
    ['"600"', 0o600],
    ['384', 0o600], // decimal, as yaml.v3 reads it
    ['448', 0o700],
    ['0x1a4', 0o644],
  ])('certificate_file_perm: %s is %o', (written, mode) => {
    expect(parseClientConfig(`common:\n  certificate_file_perm: ${written}\n`, FILE).common.certificateFileMode).toBe(mode);
  });

  test('YAML 1.1 octal: a plain 0600 is 384, not 600', () => {
    expect(parseClientConfig('common:\n  certificate_keyfile_perm: 0600\n', FILE).common.certificateKeyFileMode).toBe(384);
  });

  test.each([
    ['600', 'client-config.yml:2: common.certificate_file_perm: write 0600 for an octal mode: without the leading 0, YAML reads 600 as a decimal number'],
    ['644', 'client-config.yml:2: common.certificate_file_perm: write 0644 for an octal mode: without the leading 0, YAML reads 644 as a decimal number'],
    ['0800', 'client-config.yml:2: common.certificate_file_perm: 0800 is not an octal number (digits 0–7 only)'],
    ['01777', 'client-config.yml:2: common.certificate_file_perm: 01777 is outside the permission bits (0000–0777)'],
    ['"rw-r--r--"', 'client-config.yml:2: common.certificate_file_perm: "rw-r--r--" is not an octal file mode such as 0600'],
    ['true', 'client-config.yml:2: common.certificate_file_perm: expected a file mode such as 0600, not true/false'],
    ['[1]', 'client-config.yml:2: common.certificate_file_perm: expected a file mode such as 0600, not a list'],
  ])('%s is refused', (written, message) => {
    expect(parseError(`common:\n  certificate_file_perm: ${written}\n`).message).toBe(message);
  });
});

describe('parseClientConfig: refusals name file:line and the key', () => {
  test.each([
    // certificate_dir
    ['common:\n  certificate_dir: /etc/ssl/certificates\n',
      'client-config.yml:2: common.certificate_dir: "/etc/ssl/certificates" must end with "/": file paths are made by appending the file name to it as text, so without the slash the files would land beside the folder ("/etc/ssl/certificatesletsencrypt/…")'],
    // wrong types
    ['common:\n  certificate_deploy: "true"\n', 'client-config.yml:2: common.certificate_deploy: expected true or false, not text'],
    ['common:\n  cmd_enabled: 1\n', 'client-config.yml:2: common.cmd_enabled: expected true or false, not a number'],
    ['common:\n  certificate_timeout: "180"\n', 'client-config.yml:2: common.certificate_timeout: expected a whole number, not text'],
    ['common:\n  certificate_timeout: 1.5\n', 'client-config.yml:2: common.certificate_timeout: expected a whole number, not a number'],
    ['common:\n  certificate_timeout: 3:00\n', 'client-config.yml:2: common.certificate_timeout: expected a whole number, not a number'],
    ['common:\n  cert_days: -1\n', 'client-config.yml:2: common.cert_days: -1 must be 0 or more'],
    ['common:\n  post_cmd_run: [systemctl, reload]\n', 'client-config.yml:2: common.post_cmd_run: expected text, not a list'],
    ['common: yes\n', 'client-config.yml:1: common: expected a mapping of keys, not true/false'],
    ['- common\n', 'client-config.yml:1: the file must be a mapping with the keys common, certificate and storage, not a list'],
    ['certificate:\n  domain: a.example\n', 'client-config.yml:2: certificate: expected a list, not a mapping'],
    ['certificate:\n  - a.example\n', 'client-config.yml:2: certificate[0]: expected a certificate (a mapping with domain and issuer), not text'],
    ['certificate:\n  - domain: a.example\n    issuer: le\n    bundle: "yes"\n', 'client-config.yml:4: certificate[0].bundle: expected true or false, not text'],
    ['certificate:\n  - domain: a.example\n    issuer: le\n    days: ninety\n', 'client-config.yml:4: certificate[0].days: expected a whole number, not text'],
    // common values
    ['common:\n  cert_days_renewal: "30-20"\n', 'client-config.yml:2: common.cert_days_renewal: "30-20": the range must go from the smaller number to the larger ("20-30")'],
    ['common:\n  cert_days_renewal: soon\n', 'client-config.yml:2: common.cert_days_renewal: "soon" is not a number of days ("30") or a range of days ("20-30")'],
    ['common:\n  delay_before_delete: 1.5d\n', 'client-config.yml:2: common.delay_before_delete: invalid duration "1.5d": give a duration such as 24h, 1d, 1w or 90m (units: y, w, d, h, m, s, ms, us, ns)'],
    ['common:\n  delay_before_delete: -2h\n', 'client-config.yml:2: common.delay_before_delete: invalid duration "-2h": negative durations are not allowed'],
    ['common:\n  http_client_retry_status_code: [500, 99]\n', 'client-config.yml:2: common.http_client_retry_status_code[1]: 99 is not an HTTP status code (100–599)'],
    ['common:\n  http_client_retry_status_code:\n    - 502\n    - bad\n', 'client-config.yml:4: common.http_client_retry_status_code[1]: expected an HTTP status code, not text'],
    ['common:\n  http_client_retry_status_code: 503\n', 'client-config.yml:2: common.http_client_retry_status_code: expected a list of HTTP status codes ([500, 502]), not a number'],
    ['common:\n  http_client_retry_wait_min: 40\n', 'client-config.yml:2: common.http_client_retry_wait_min: 40 s is more than http_client_retry_wait_max (30 s)'],
    ['common:\n  certificate_keyfile_ext: .crt\n', 'client-config.yml:2: common.certificate_keyfile_ext: ".crt" is also certificate_file_ext: one file would overwrite the other'],
    ['common:\n  certificate_file_ext: /x.crt\n', 'client-config.yml:2: common.certificate_file_ext: "/x.crt" must not contain "/" or "\\"'],
    ['common:\n  certificate_backup: true\nstorage:\n  vault:\n    url: https://vault.example.com\n',
      'client-config.yml:2: common.certificate_backup: backups go to Vault: set storage.vault.role_id, storage.vault.secret_id'],
    ['storage:\n  vault:\n    url: vault.example.com:8200\n', 'client-config.yml:3: storage.vault.url: must start with https:// or http://'],
    ['storage:\n  vault:\n    url: "https://"\n', 'client-config.yml:3: storage.vault.url: not a URL (expected https://vault.example.com)'],
    ['common: &c\n  <<: *c\n  cert_days: 1\n', 'client-config.yml:2: common: << merges a mapping into itself'],
    ['common:\n  <<: 5\n', 'client-config.yml:2: common: << must merge a mapping (an alias such as *defaults), not a number'],
    // an alias with no anchor would read as nothing and drop the value (here: no post_cmd at all)
    ['common:\n  cmd_enabled: true\n  post_cmd_run: *reload\n', 'client-config.yml:3: *reload refers to no anchor: define &reload before the alias that uses it'],
    ['common:\n  <<: *defaults\n', 'client-config.yml:2: *defaults refers to no anchor: define &defaults before the alias that uses it'],
    // control characters in paths
    ['common:\n  certificate_dir: "/etc/ssl/a\\0b/"\n', 'client-config.yml:2: common.certificate_dir: must not contain control characters (such as NUL or a newline): it is a folder path'],
    ['common:\n  certificate_file_ext: ".c\\nrt"\n', 'client-config.yml:2: common.certificate_file_ext: must not contain control characters: it is part of a file name'],
    // duplicate keys
    ['common:\n  cert_days: 1\n  cert_days: 2\n', 'client-config.yml:3: common.cert_days: duplicate key (first at line 2)'],
    // YAML syntax
    ['common:\n  cert_days: [1\n', 'client-config.yml:3: not valid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]'],
  ])('%j', (text, message) => {
    expect(parseError(text).message).toBe(message);
  });

  const cert = (lines: string) => `common:\n  cert_days: 90\ncertificate:\n  - domain: ok.example\n    issuer: letsencrypt\n  - ${lines.replaceAll('\n', '\n    ')}\n`;

  test.each([
    ['domain: a.example\nissuer: letsencrypt\nkey_type: ec512',
      'client-config.yml:8: certificate[1].key_type: unknown key type "ec512" (rsa2048, rsa3072, rsa4096, rsa8192, ec256, ec384)'],
    ['domain: a.example\nissuer: letsencrypt\nkey_type: RSA8192',
      'client-config.yml:8: certificate[1].key_type: rsa8192 is not supported by acmecli; use rsa4096'],
    ['issuer: letsencrypt', 'client-config.yml:6: certificate[1].domain: missing: every certificate needs a domain'],
    ['domain: a.example', 'client-config.yml:6: certificate[1].issuer: missing: every certificate needs an issuer (a key of the manager\'s issuer: map)'],
    ['domain: ""\nissuer: letsencrypt', 'client-config.yml:6: certificate[1].domain: missing: every certificate needs a domain'],
    ['domain: a.example.\nissuer: letsencrypt', 'client-config.yml:6: certificate[1].domain: "a.example." has an empty label (no trailing dot)'],
    ['domain: a.*.example\nissuer: letsencrypt', 'client-config.yml:6: certificate[1].domain: "a.*.example": "*" is allowed only as the first label of a longer name ("*.example.com")'],
    ['domain: -a.example\nissuer: letsencrypt', 'client-config.yml:6: certificate[1].domain: "-a.example": label "-a" must not start or end with "-"'],
    ['domain: a b.example\nissuer: letsencrypt', 'client-config.yml:6: certificate[1].domain: "a b.example": label "a b" may hold only letters, digits, "_" and "-"'],
    ['domain: bücher.example\nissuer: letsencrypt', 'client-config.yml:6: certificate[1].domain: "bücher.example" is not ASCII: write internationalised names in punycode ("xn--…")'],
    [`domain: ${'a'.repeat(64)}.example\nissuer: letsencrypt`, `client-config.yml:6: certificate[1].domain: "${'a'.repeat(64)}.example": label "${'a'.repeat(64)}" is longer than 63 characters`],
    [`domain: ${'abcdefghi.'.repeat(25)}example\nissuer: letsencrypt`, `client-config.yml:6: certificate[1].domain: "${'abcdefghi.'.repeat(25)}example" is longer than 253 characters`],
    ['domain: a.example\nissuer: ../x', 'client-config.yml:7: certificate[1].issuer: "../x" must not contain "/" or "\\": it is used as a file name'],
    ['domain: a.example\nissuer: letsencrypt\nname: web/site', 'client-config.yml:8: certificate[1].name: "web/site" must not contain "/" or "\\": it is used as a file name'],
    ['domain: a.example\nissuer: letsencrypt\nname: "web\\\\site"', 'client-config.yml:8: certificate[1].name: "web\\site" must not contain "/" or "\\": it is used as a file name'],
    ['domain: a.example\nissuer: letsencrypt\nname: web..old', 'client-config.yml:8: certificate[1].name: "web..old" must not contain "..": it is used as a file name'],
    ['domain: a.example\nissuer: "."', 'client-config.yml:7: certificate[1].issuer: "." is the folder itself, not a file name'],
    ['domain: a.example\nissuer: " letsencrypt"', 'client-config.yml:7: certificate[1].issuer: " letsencrypt" must not start or end with white space: it is used as a file name'],
    ['domain: a.example\nissuer: letsencrypt\nname: "web\\u202etxt"', 'client-config.yml:8: certificate[1].name: must not contain control characters, format characters (bidi marks, zero-width characters) or line separators: it is used as a file name'],
    ['domain: a.example\nissuer: letsencrypt\nname: "web\\x9b1m"', 'client-config.yml:8: certificate[1].name: must not contain control characters, format characters (bidi marks, zero-width characters) or line separators: it is used as a file name'],
    ['domain: a.example\nissuer: letsencrypt\nname: "web\\u2028"', 'client-config.yml:8: certificate[1].name: must not contain control characters, format characters (bidi marks, zero-width characters) or line separators: it is used as a file name'],
    ['domain: a.example\nissuer: letsencrypt\nsan: "b.example, c.example"', 'client-config.yml:8: certificate[1].san: " c.example" has spaces: write the names separated by commas only ("a.example,b.example"), since the manager does not trim them'],
    ['domain: a.example\nissuer: letsencrypt\nsan: "b.example,"', 'client-config.yml:8: certificate[1].san: "b.example," has an empty name (a comma too many)'],
    ['domain: a.example\nissuer: letsencrypt\nsan: b.example,c_d..example', 'client-config.yml:8: certificate[1].san: "c_d..example" has an empty label'],
    ['domain: a.example\nissuer: letsencrypt\ndays: -5', 'client-config.yml:8: certificate[1].days: -5 must be 0 or more'],
    ['domain: a.example\nissuer: letsencrypt\nrenewal_days: "20-"', 'client-config.yml:8: certificate[1].renewal_days: "20-" is not a number of days ("30") or a range of days ("20-30")'],
    ['domain: a.example\nissuer: letsencrypt\nrenewal_days: 20-90', 'client-config.yml:8: certificate[1].renewal_days: "20-90" must stay below the certificate\'s 90 days (the manager refuses it)'],
    ['domain: a.example\nissuer: letsencrypt\ndns_challenge: ns1\nhttp_challenge: kvring', 'client-config.yml:9: certificate[1].http_challenge: dns_challenge and http_challenge are mutually exclusive: set one'],
    ['domain: a.example\nissuer: letsencrypt\nlabels: env=prod,1team=infra', 'client-config.yml:8: certificate[1].labels: label key "1team" must start with a letter or "_" and hold only letters, digits and "_"'],
    ['domain: a.example\nissuer: letsencrypt\nlabels: env-name=prod', 'client-config.yml:8: certificate[1].labels: label key "env-name" must start with a letter or "_" and hold only letters, digits and "_"'],
    ['domain: ok.example\nissuer: letsencrypt',
      'client-config.yml:6: certificate[1]: a second certificate with issuer "letsencrypt" and domain "ok.example" (the first is certificate[0], line 4): each certificate needs its own issuer/domain or a name'],
  ])('%j', (lines, message) => {
    expect(parseError(cert(lines)).message).toBe(message);
  });

  test('a duplicate name names both entries and lines', () => {
    const text = 'certificate:\n  - name: web\n    domain: a.example\n    issuer: le\n  - name: api\n    domain: b.example\n    issuer: le\n  - name: web\n    domain: c.example\n    issuer: other\n';
    expect(parseError(text).message).toBe(
      'client-config.yml:8: certificate[2]: a second certificate with name "web" (the first is certificate[0], line 2): each certificate needs its own name',
    );
  });

  test('the error carries file, line and key path for callers', () => {
    const err = parseError(cert('domain: a.example\nissuer: letsencrypt\nkey_type: ec512'));
    expect({ file: err.file, line: err.line, keyPath: err.keyPath }).toEqual({ file: FILE, line: 8, keyPath: 'certificate[1].key_type' });
  });
});

describe('parseClientConfig: warnings, never fatal', () => {
  test('unknown keys are reported with file:line, and the docs\' cert_prefix is pointed at certificate_prefix', () => {
    const config = parseClientConfig(`common:
  certificate_dir_perms: 0700
  foo: bar
certificate:
  - domain: a.example
    issuer: le
    sans: b.example
    labels: env=prod,orphan,a=b=c
storage:
  vault:
    cert_prefix: secret/acme
  s3: {}
extra: 1
`, FILE);
    expect(config.warnings).toEqual([
      'client-config.yml:2: common.certificate_dir_perms: unknown key, ignored (did you mean certificate_dir_perm?)',
      'client-config.yml:3: common.foo: unknown key, ignored',
      'client-config.yml:7: certificate[0].sans: unknown key, ignored (did you mean san?)',
      'client-config.yml:8: certificate[0].labels: "orphan" is not key=value: the manager ignores it',
      'client-config.yml:8: certificate[0].labels: "a=b=c" is not key=value: the manager ignores it',
      'client-config.yml:11: storage.vault.cert_prefix: unknown key, ignored: use certificate_prefix: the documentation\'s cert_prefix is read by neither client',
      'client-config.yml:12: storage.s3: unknown key, ignored',
      'client-config.yml:13: extra: unknown key, ignored',
    ]);
    expect(config.common.certificateDirMode).toBe(0o700);
    expect(config.vault.certificatePrefix).toBe('');
  });

  test('YAML 1.1 boolean-looking keys stay keys (n, on, y)', () => {
    const config = parseClientConfig('common:\n  n: 1\n  on: 2\n', FILE);
    expect(config.warnings).toEqual(['client-config.yml:2: common.n: unknown key, ignored', 'client-config.yml:3: common.on: unknown key, ignored']);
  });
});

describe('parseClientConfig: role_id and secret_id never appear in a message', () => {
  const SECRET = 'S3CR3T-abc-123';
  test.each([
    ['a syntax error on the secret\'s line', `storage:\n  vault:\n    secret_id: ${SECRET}: [x\n`],
    ['a syntax error after it', `storage:\n  vault:\n    secret_id: "${SECRET}"\n    role_id: [unclosed\n`],
    ['a secret where a mapping is due', `storage:\n  vault: ${SECRET}\n`],
    ['a secret where a bool is due', `common:\n  certificate_deploy: ${SECRET}\n`],
    ['a secret where a mode is due (a list)', `common:\n  certificate_dir_perm: [${SECRET}]\n`],
    ['a secret as a list', `storage:\n  vault:\n    role_id: [${SECRET}]\n`],
    ['a secret as a mapping', `storage:\n  vault:\n    secret_id: {${SECRET}: 1}\n`],
    ['a secret in a duplicate key', `storage:\n  vault:\n    secret_id: a${SECRET}\n    secret_id: ${SECRET}\n`],
    ['a secret in a status list', `common:\n  http_client_retry_status_code: [${SECRET}]\n`],
  ])('%s', (_, text) => {
    const err = parseError(text);
    expect(err.message).toMatch(/^client-config\.yml:\d+: /);
    expect(err.message).not.toContain(SECRET);
    expect(String(err.stack)).not.toContain(SECRET);
  });

  test('and not in warnings', () => {
    const config = parseClientConfig(`common:\n  secret_id: ${SECRET}\nstorage:\n  vault:\n    secret: ${SECRET}\n    secret_id: ok\n`, FILE);
    expect(config.warnings).toHaveLength(2);
    expect(config.warnings.join('\n')).not.toContain(SECRET);
  });
});
