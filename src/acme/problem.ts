import { AcmecliError } from '../errors.js';
import type { ProblemDocument } from './types.js';

/** RFC 8555 §6.7 error types, as the short name after `urn:ietf:params:acme:error:`. */
export const ACME_ERROR_TYPES = [
  'accountDoesNotExist', 'alreadyRevoked', 'badCSR', 'badNonce', 'badPublicKey', 'badRevocationReason',
  'badSignatureAlgorithm', 'caa', 'compound', 'connection', 'dns', 'externalAccountRequired',
  'incorrectResponse', 'invalidContact', 'malformed', 'orderNotReady', 'rateLimited', 'rejectedIdentifier',
  'serverInternal', 'tls', 'unauthorized', 'unsupportedContact', 'unsupportedIdentifier', 'userActionRequired',
  // RFC 9773 §7.4 and draft-ietf-acme-profiles
  'alreadyReplaced', 'invalidProfile',
] as const;
export type AcmeErrorType = (typeof ACME_ERROR_TYPES)[number];

const ACME_ERROR_PREFIX = 'urn:ietf:params:acme:error:';

export interface RequestDescription {
  method: string;
  url: string;
}

/** The CA refused a request with a problem document. Never carries key material. */
export class AcmeProblemError extends AcmecliError {
  readonly code = 'ACME_PROBLEM';
  readonly problem: ProblemDocument;
  readonly request: RequestDescription;

  constructor(problem: ProblemDocument, request: RequestDescription, retryAfterMs?: number) {
    super(describeProblem(problem));
    this.name = 'AcmeProblemError';
    this.problem = problem;
    this.request = request;
    if (problem.status !== undefined) this.httpStatus = problem.status;
    if (retryAfterMs !== undefined) this.retryAfterMs = retryAfterMs;
  }

  /** True when the problem's type is `urn:ietf:params:acme:error:<type>`. */
  is(type: AcmeErrorType): boolean {
    return this.problem.type === ACME_ERROR_PREFIX + type;
  }

  /** The type without the ACME prefix (`badNonce`), or the full URI for other namespaces. */
  get shortType(): string {
    return shortProblemType(this.problem.type);
  }
}

export function shortProblemType(type: string | undefined): string {
  if (!type) return 'about:blank';
  return type.startsWith(ACME_ERROR_PREFIX) ? type.slice(ACME_ERROR_PREFIX.length) : type;
}

/**
 * Reads a problem document out of a parsed JSON body. Returns undefined when the
 * body is not one. RFC 8555 §6.7: a missing `status` is the HTTP status.
 */
export function parseProblem(body: unknown, httpStatus: number): ProblemDocument | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const raw = body as Record<string, unknown>;
  if (typeof raw.type !== 'string' && typeof raw.detail !== 'string') return undefined;
  const problem: ProblemDocument = { ...raw };
  if (typeof raw.status !== 'number') problem.status = httpStatus;
  if (Array.isArray(raw.subproblems)) {
    problem.subproblems = raw.subproblems.filter((s): s is Record<string, unknown> => typeof s === 'object' && s !== null).map((s) => ({
      ...(typeof s.type === 'string' ? { type: s.type } : {}),
      ...(typeof s.detail === 'string' ? { detail: s.detail } : {}),
      ...(isIdentifier(s.identifier) ? { identifier: s.identifier } : {}),
    }));
  } else {
    delete problem.subproblems;
  }
  return problem;
}

function isIdentifier(value: unknown): value is { type: 'dns' | 'ip'; value: string } {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.type === 'string' && typeof v.value === 'string';
}

/**
 * One line a person can act on: the CA's detail, the type in brackets, then each
 * subproblem with the identifier it is about.
 *   `Error creating new order: 2 problems [rejectedIdentifier] (a.invalid: no TLD [rejectedIdentifier]; …)`
 */
export function describeProblem(problem: ProblemDocument): string {
  const text = oneLine(problem.detail || problem.title || 'the CA refused the request');
  let line = `${text} [${shortProblemType(problem.type)}${problem.status ? `, HTTP ${problem.status}` : ''}]`;
  const subs = problem.subproblems ?? [];
  if (subs.length > 0) {
    const parts = subs.map((s) => {
      const who = s.identifier ? `${s.identifier.value}: ` : '';
      return `${who}${oneLine(s.detail ?? '')} [${shortProblemType(s.type)}]`;
    });
    line += ` (${parts.join('; ')})`;
  }
  return line;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
