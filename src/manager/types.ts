// ACME Manager wire objects, with the manager's own (snake_case) field names, as read from its code
// (manager-contract.md §3.3). Every Certificate field is `omitempty` on the server: false, 0 and "" are absent.

/** Ring metadata of one certificate: `GET /certificate/metadata` answers an array of these. */
export interface ManagerCertificate {
  domain: string;
  issuer: string;
  /** Logical name; when set, it is the identity and issuer/domain may change. */
  name?: string;
  owner?: string;
  bundle?: boolean;
  /** Comma-separated, exactly as the CSR's SANs minus the CN (no spaces). */
  san?: string;
  days?: number;
  /** `"N"` or `"MIN-MAX"`. */
  renewal_days?: string;
  /** `YYYY-MM-DD HH:MM:SS ±hhmm ZONE`. */
  renewal_date?: string;
  dns_challenge?: string;
  http_challenge?: string;
  /** Leaf NotAfter, `YYYY-MM-DD HH:MM:SS +0000 UTC`. */
  expires?: string;
  /** Lowercase hex SHA-256 of the exact bytes of `cert` (PEM text as stored). */
  fingerprint?: string;
  /** Base64 (standard) of the PEM CSR last used for issuance. */
  csr?: string;
  labels?: string;
  /** `ECDSA-256`, `RSA-2048`, … */
  encryption?: string;
  /** Lowercase hex, no colons. */
  serial?: string;
  key_type?: string;
  profile?: string;
  /** Unix milliseconds. */
  updated_at?: number;
  deleted_at?: number;
  renewal_count?: number;
}

/** A certificate as GET/POST/PUT return it: the stored fields plus three that are always present. */
export interface CertMap extends ManagerCertificate {
  /** PEM; the full chain when `bundle`, else the leaf only. Write it byte for byte. */
  cert: string;
  /** PEM of the chain after the leaf; may begin with "\n"; "" when there is none. */
  ca_issuer: string;
  /** The certificate URL at the CA. */
  url: string;
}

/** `GET /token/self`: the caller's own token record (no id, no plaintext). */
export interface ManagerTokenRecord {
  username: string;
  scope: string[];
  /** `"Never"` or `YYYY-MM-DD HH:MM:SS +0000 UTC`. */
  expires: string;
  duration?: string;
  updated_at?: number;
  rate_limit_window?: string;
  rate_limit_max_requests?: number;
  tokenHash?: string;
}

/** The body of `POST /certificate` and `PUT /certificate` (manager-contract.md §3.2). */
export interface CertificateParams {
  domain: string;
  issuer: string;
  name?: string;
  san?: string;
  /** Base64 (standard) of a PEM `CERTIFICATE REQUEST`. */
  csr: string;
  days?: number;
  renewal_days?: string;
  dns_challenge?: string;
  http_challenge?: string;
  profile?: string;
  bundle?: boolean;
  labels?: string;
  key_type: string;
}

/** PUT only: `revoke` asks the manager to revoke the old certificate before re-issuing. */
export interface UpdateCertificateParams extends CertificateParams {
  revoke?: boolean;
}

/** Which certificate: by name for named ones, else by issuer and domain. */
export type CertificateRef = { name: string } | { issuer: string; domain: string };

