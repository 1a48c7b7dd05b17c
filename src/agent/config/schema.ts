// The shape of ACME Manager's client-config.yml (manager-contract.md §6.2): one table per
// section, read by parse.ts, and the typed result with every default applied.
import { UsageError } from '../../errors.js';

/** `key_type` values the Go client accepts (case-insensitive there and here). */
export const CONFIG_KEY_TYPES = ['rsa2048', 'rsa3072', 'rsa4096', 'rsa8192', 'ec256', 'ec384'] as const;
export type ConfigKeyType = (typeof CONFIG_KEY_TYPES)[number];
export const DEFAULT_CONFIG_KEY_TYPE: ConfigKeyType = 'ec256';

/**
 * How a key is read. `mode` is a file mode (octal); `secret` is a string that
 * never appears in any message; `statusList` is a list of HTTP status codes.
 */
export type FieldKind = 'bool' | 'string' | 'secret' | 'int' | 'mode' | 'statusList';

export const TOP_LEVEL_FIELDS = { common: 'map', certificate: 'list', storage: 'map' } as const;
export const STORAGE_FIELDS = { vault: 'map' } as const;

export const COMMON_FIELDS = {
  certificate_deploy: 'bool',
  certificate_backup: 'bool',
  certificate_dir: 'string',
  certificate_dir_perm: 'mode',
  certificate_file_perm: 'mode',
  certificate_keyfile_perm: 'mode',
  certificate_file_ext: 'string',
  certificate_keyfile_ext: 'string',
  certificate_ca_file_ext: 'string',
  certificate_keyfile_no_generate: 'bool',
  certificate_timeout: 'int',
  cert_days: 'int',
  cert_days_renewal: 'string',
  cmd_enabled: 'bool',
  pre_cmd_run: 'string',
  pre_cmd_timeout: 'int',
  post_cmd_run: 'string',
  post_cmd_timeout: 'int',
  revoke_on_update: 'bool',
  revoke_on_delete: 'bool',
  delay_before_delete: 'string',
  http_client_retry_max: 'int',
  http_client_retry_wait_min: 'int',
  http_client_retry_wait_max: 'int',
  http_client_retry_status_code: 'statusList',
  http_client_debug: 'bool',
} as const satisfies Record<string, FieldKind>;

export const CERTIFICATE_FIELDS = {
  domain: 'string',
  issuer: 'string',
  name: 'string',
  bundle: 'bool',
  san: 'string',
  days: 'int',
  renewal_days: 'string',
  dns_challenge: 'string',
  http_challenge: 'string',
  key_type: 'string',
  labels: 'string',
  profile: 'string',
} as const satisfies Record<string, FieldKind>;

export const VAULT_FIELDS = {
  url: 'string',
  role_id: 'secret',
  secret_id: 'secret',
  mount_path: 'string',
  secret_engine: 'string',
  certificate_prefix: 'string',
  token_prefix: 'string',
  retry_max: 'int',
  retry_wait_min: 'int',
  retry_wait_max: 'int',
} as const satisfies Record<string, FieldKind>;

/** Keys people write by mistake, and what to write instead. */
export const MISTAKEN_KEYS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  'storage.vault': { cert_prefix: 'use certificate_prefix: the documentation\'s cert_prefix is read by neither client' },
};

/** The `common` section. Times are converted to milliseconds; 0 in the file means the default. */
export interface CommonConfig {
  certificateDeploy: boolean;
  certificateBackup: boolean;
  /** "" (the current directory) or a folder ending in `/`: paths are built by concatenation. */
  certificateDir: string;
  certificateDirMode: number;
  certificateFileMode: number;
  certificateKeyFileMode: number;
  certificateFileExt: string;
  certificateKeyFileExt: string;
  certificateCaFileExt: string;
  certificateKeyFileNoGenerate: boolean;
  /** POST/PUT of a certificate (the manager waits for the CA). */
  certificateTimeoutMs: number;
  /** `days` of a certificate that sets none; 0 lets the CA choose. */
  certDays: number;
  /** Validated as "N" or "MIN-MAX"; the Go client never uses it further. */
  certDaysRenewal: string;
  cmdEnabled: boolean;
  preCmdRun: string;
  preCmdTimeoutMs: number;
  postCmdRun: string;
  postCmdTimeoutMs: number;
  revokeOnUpdate: boolean;
  revokeOnDelete: boolean;
  /** As written, for logs. */
  delayBeforeDelete: string;
  delayBeforeDeleteMs: number;
  /** Retries after the first attempt. */
  httpClientRetryMax: number;
  httpClientRetryWaitMinMs: number;
  httpClientRetryWaitMaxMs: number;
  /** Retried in addition to 429 and every 5xx but 501. */
  httpClientRetryStatusCodes: number[];
  httpClientDebug: boolean;
}

/** One entry of the `certificate` list, with the defaults of manager-contract.md §6.4 step 3 applied. */
export interface CertificateConfig {
  domain: string;
  issuer: string;
  /** "" when unnamed. When set, it is the identity and the flat file name. */
  name: string;
  bundle: boolean;
  /** As written (the manager compares it byte for byte with the CSR's names). */
  san: string;
  /** `san` split on commas; empty when `san` is "". */
  sanNames: string[];
  /** As written, or `common.cert_days` when 0 or absent. */
  days: number;
  /** As written ("" lets the manager use its own default). */
  renewalDays: string;
  dnsChallenge: string;
  httpChallenge: string;
  /**
   * Lower-cased. The Go client sends `key_type` as written, so a manager may hold
   * `EC256` for what is `ec256` here: compare them without regard to case.
   */
  keyType: ConfigKeyType;
  /** As written (`k=v,k2=v2`). */
  labels: string;
  profile: string;
  /** Line of the entry in the file, for messages. */
  line: number;
}

export interface VaultConfig {
  url: string;
  roleId: string;
  secretId: string;
  /** AppRole mount (`auth/<mount_path>/login`). */
  mountPath: string;
  /** KV v2 mount. */
  secretEngine: string;
  certificatePrefix: string;
  /** Read for compatibility; the client does not use it. */
  tokenPrefix: string;
  retryMax: number;
  retryWaitMinMs: number;
  retryWaitMaxMs: number;
}

export interface ClientConfig {
  /** The file name messages use, as given to the parser. */
  file: string;
  common: CommonConfig;
  certificates: CertificateConfig[];
  vault: VaultConfig;
  /** Unknown keys and the like, each `file:line: key: message`. Never fatal, as in the Go client. */
  warnings: string[];
  /** Line of each key present in the file outside the certificate list, by key path (`common.certificate_dir`); a certificate has its `line`. */
  lines: ReadonlyMap<string, number>;
}

export const COMMON_DEFAULTS: Readonly<CommonConfig> = {
  certificateDeploy: false,
  certificateBackup: false,
  certificateDir: '',
  certificateDirMode: 0o700,
  certificateFileMode: 0o600,
  certificateKeyFileMode: 0o600,
  certificateFileExt: '.crt',
  certificateKeyFileExt: '.key',
  certificateCaFileExt: '.ca.crt',
  certificateKeyFileNoGenerate: false,
  certificateTimeoutMs: 270_000, // the Go client's value; its documentation says 180 s
  certDays: 0, // its documentation says 90
  certDaysRenewal: '20-30',
  cmdEnabled: false,
  preCmdRun: '',
  preCmdTimeoutMs: 60_000,
  postCmdRun: '',
  postCmdTimeoutMs: 60_000,
  revokeOnUpdate: false,
  revokeOnDelete: false,
  delayBeforeDelete: '',
  delayBeforeDeleteMs: 0,
  httpClientRetryMax: 4,
  httpClientRetryWaitMinMs: 1_000,
  httpClientRetryWaitMaxMs: 30_000,
  httpClientRetryStatusCodes: [],
  httpClientDebug: false,
};

export const VAULT_DEFAULTS: Readonly<VaultConfig> = {
  url: '',
  roleId: '',
  secretId: '',
  mountPath: '',
  secretEngine: '',
  certificatePrefix: '',
  tokenPrefix: '',
  retryMax: 3,
  retryWaitMinMs: 1_000,
  retryWaitMaxMs: 10_000,
};

/**
 * A client-config.yml that cannot be used. The message is
 * `file:line: key.path: what is wrong`; it never quotes `role_id` or `secret_id`.
 */
export class ClientConfigError extends UsageError {
  readonly file: string;
  readonly line: number | undefined;
  /** `common.certificate_dir`, `certificate[2].key_type`; "" for the file as a whole. */
  readonly keyPath: string;

  constructor(where: { file: string; line?: number | undefined; keyPath: string }, reason: string, options?: { cause?: unknown }) {
    const location = where.line === undefined ? where.file : `${where.file}:${where.line}`;
    super(`${location}: ${where.keyPath === '' ? '' : `${where.keyPath}: `}${reason}`, options);
    this.name = 'ClientConfigError';
    this.file = where.file;
    this.line = where.line;
    this.keyPath = where.keyPath;
  }
}
