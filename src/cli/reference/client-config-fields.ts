// What each client-config.yml key means, for client-config.yml(5). Keyed by the parser's own tables
// (src/agent/config/schema.ts): `satisfies` makes a key added to or removed from the parser without
// its description here a type error, so the page cannot drift from what is read.
import { CERTIFICATE_FIELDS, COMMON_FIELDS, VAULT_FIELDS } from '../../agent/config/schema.js';

export interface FieldDoc {
  default: string;
  text: string;
}

export const COMMON_FIELD_DOCS = {
  certificate_deploy: { default: 'false', text: 'write the key, certificate and CA files (full mode); pull-only mode always writes them' },
  certificate_backup: { default: 'false', text: 'back up each new certificate and key to Vault; needs storage.vault url, role_id and secret_id' },
  certificate_dir: { default: '"" (the current folder)', text: 'where the files go; must end with / and must not be the configuration file\'s own folder' },
  certificate_dir_perm: { default: '0700', text: 'mode of the folders the agent creates (the umask applies)' },
  certificate_file_perm: { default: '0600', text: 'mode of new certificate and CA files' },
  certificate_keyfile_perm: { default: '0600', text: 'mode of new key files' },
  certificate_file_ext: { default: '.crt', text: 'certificate file extension' },
  certificate_keyfile_ext: { default: '.key', text: 'key file extension' },
  certificate_ca_file_ext: { default: '.ca.crt', text: 'CA file extension; the three extensions must differ and hold no /' },
  certificate_keyfile_no_generate: { default: 'false', text: 'on create, sign the CSR with the key file already there instead of a new key' },
  certificate_timeout: { default: '270 (seconds)', text: 'how long a POST or PUT to the manager may take (it runs the whole ACME order first)' },
  cert_days: { default: '0', text: 'days of a certificate that sets none; 0 lets the CA choose' },
  cert_days_renewal: { default: '20-30', text: 'checked (N or MIN-MAX), then not used, as in the Go client' },
  cmd_enabled: { default: 'false', text: 'run pre_cmd_run and post_cmd_run' },
  pre_cmd_run: { default: '""', text: 'command run before files change (split into words, no shell)' },
  pre_cmd_timeout: { default: '60 (seconds)', text: 'time limit of pre_cmd_run' },
  post_cmd_run: { default: '""', text: 'command run after files changed, e.g. systemctl reload nginx' },
  post_cmd_timeout: { default: '60 (seconds)', text: 'time limit of post_cmd_run' },
  revoke_on_update: { default: 'false', text: 'ask the manager to revoke the old certificate when re-issuing' },
  revoke_on_delete: { default: 'false', text: 'revoke when deleting' },
  delay_before_delete: { default: '"" (none)', text: 'wait this long after a certificate leaves the file before deleting it (1d, 12h, 1d12h, 1.5h)' },
  http_client_retry_max: { default: '4', text: 'retries of a GET or DELETE after the first attempt' },
  http_client_retry_wait_min: { default: '1 (seconds)', text: 'first wait between retries; then doubling, with jitter' },
  http_client_retry_wait_max: { default: '30 (seconds)', text: 'longest wait between retries' },
  http_client_retry_status_code: { default: '[]', text: 'statuses to retry besides every 5xx but 501' },
  http_client_debug: { default: 'false', text: 'read for compatibility, not used' },
} as const satisfies Record<keyof typeof COMMON_FIELDS, FieldDoc>;

export const CERTIFICATE_FIELD_DOCS = {
  domain: { default: 'required', text: 'the certificate\'s first name, checked as the manager checks it (ASCII, punycode for IDNs, * only as the first label)' },
  issuer: { default: 'required', text: 'a key of the manager\'s issuer map; no /, \\ or ..' },
  name: { default: '""', text: 'a logical name: then the identity on the manager and the flat file name; unique in the file' },
  bundle: { default: 'false', text: 'the certificate file holds the full chain, and there is no CA file' },
  san: { default: '""', text: 'more names, separated by commas without spaces: DNS names or IP addresses' },
  days: { default: 'cert_days', text: 'requested lifetime (not every CA accepts it)' },
  renewal_days: { default: '"" (the manager\'s default)', text: 'N or MIN-MAX days before expiry' },
  dns_challenge: { default: '""', text: 'the manager\'s DNS challenge provider; set dns_challenge or http_challenge, not both' },
  http_challenge: { default: '""', text: 'the manager\'s HTTP challenge provider' },
  key_type: { default: 'ec256', text: 'ec256, ec384, rsa2048, rsa3072 or rsa4096, in any case (rsa8192 is refused)' },
  labels: { default: '""', text: 'k=v,k2=v2; each key a letter or _ then letters, digits or _' },
  profile: { default: '""', text: 'an ACME profile' },
} as const satisfies Record<keyof typeof CERTIFICATE_FIELDS, FieldDoc>;

export const VAULT_FIELD_DOCS = {
  url: { default: '""', text: 'https://vault.example.com:8200 (no /v1)' },
  role_id: { default: '""', text: 'AppRole role id; never quoted in any message' },
  secret_id: { default: '""', text: 'AppRole secret id; never quoted in any message' },
  mount_path: { default: '""', text: 'the AppRole mount: POST {url}/v1/auth/{mount_path}/login' },
  secret_engine: { default: '""', text: 'the KV v2 mount' },
  certificate_prefix: { default: '""', text: 'the secrets\' path prefix (not cert_prefix, which neither client reads)' },
  token_prefix: { default: '""', text: 'read for compatibility, not used' },
  retry_max: { default: '3', text: 'retries on network errors and 5xx but 501' },
  retry_wait_min: { default: '1 (seconds)', text: 'first wait between retries' },
  retry_wait_max: { default: '10 (seconds)', text: 'longest wait between retries' },
} as const satisfies Record<keyof typeof VAULT_FIELDS, FieldDoc>;
