/**
 * RFC 8555 wire objects, with the RFC's own member names, so a reader can hold
 * this file next to the RFC. Only members acmecli reads or writes are listed;
 * servers may send more.
 */

/** RFC 8555 §7.1.1, with RFC 9773 §4 `renewalInfo` and the profiles extension's `meta.profiles`. */
export interface Directory {
  newNonce: string;
  newAccount: string;
  newOrder: string;
  newAuthz?: string;
  revokeCert: string;
  keyChange: string;
  renewalInfo?: string;
  meta?: DirectoryMeta;
}

export interface DirectoryMeta {
  termsOfService?: string;
  website?: string;
  caaIdentities?: string[];
  externalAccountRequired?: boolean;
  /** draft-ietf-acme-profiles: profile name to a human description. */
  profiles?: Record<string, string>;
  [extension: string]: unknown;
}

export type AccountStatus = 'valid' | 'deactivated' | 'revoked';

/** RFC 8555 §7.1.2. */
export interface Account {
  status: AccountStatus;
  contact?: string[];
  termsOfServiceAgreed?: boolean;
  externalAccountBinding?: unknown;
  orders?: string;
  /** Not in RFC 8555 but sent by Boulder and Pebble; kept for `account show -d`. */
  key?: Record<string, unknown>;
  createdAt?: string;
  [extension: string]: unknown;
}

export type IdentifierType = 'dns' | 'ip';

/** RFC 8555 §9.7.7 (dns) and RFC 8738 (ip). */
export interface Identifier {
  type: IdentifierType;
  value: string;
}

/** RFC 8555 §6.7 problem document, with §6.7.1 subproblems. */
export interface ProblemDocument {
  type?: string;
  title?: string;
  detail?: string;
  status?: number;
  instance?: string;
  subproblems?: Subproblem[];
  [extension: string]: unknown;
}

export interface Subproblem {
  type?: string;
  detail?: string;
  identifier?: Identifier;
}

/** A JSON Web Key with public members only, as sent in a `jwk` header. */
export interface PublicJwk {
  kty?: string;
  crv?: string;
  x?: string;
  y?: string;
  n?: string;
  e?: string;
}
