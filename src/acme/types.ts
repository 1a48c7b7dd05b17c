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

export type OrderStatus = 'pending' | 'ready' | 'processing' | 'valid' | 'invalid';

/** RFC 8555 §7.1.3, with RFC 9773 §5 `replaces` and draft-ietf-acme-profiles `profile`. */
export interface Order {
  status: OrderStatus;
  expires?: string;
  identifiers: Identifier[];
  notBefore?: string;
  notAfter?: string;
  error?: ProblemDocument;
  authorizations: string[];
  finalize: string;
  certificate?: string;
  replaces?: string;
  profile?: string;
}

export type AuthorizationStatus = 'pending' | 'valid' | 'invalid' | 'deactivated' | 'expired' | 'revoked';

/** RFC 8555 §7.1.4. */
export interface Authorization {
  identifier: Identifier;
  status: AuthorizationStatus;
  expires?: string;
  challenges: Challenge[];
  wildcard?: boolean;
}

export type ChallengeStatus = 'pending' | 'processing' | 'valid' | 'invalid';

/** RFC 8555 §8, with the fields of draft-ietf-acme-dns-persist (issuer-domain-names). */
export interface Challenge {
  type: string;
  url: string;
  status: ChallengeStatus;
  token?: string;
  validated?: string;
  error?: ProblemDocument;
  [extension: string]: unknown;
}

/** RFC 9773 §4.2. */
export interface RenewalInfo {
  suggestedWindow: { start: string; end: string };
  explanationURL?: string;
}
