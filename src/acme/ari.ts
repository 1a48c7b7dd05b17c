import { BadResponseError } from '../errors.js';
import type { AcmeClient } from './client.js';
import type { RenewalInfo } from './types.js';

export interface RenewalInfoResult {
  renewalInfo: RenewalInfo;
  /** RFC 9773 §4.3: when to ask again; absent means the client picks (we use 6 hours). */
  retryAfterMs?: number;
}

/**
 * RFC 9773 §4.2: GET `<renewalInfo>/<CertID>`, unauthenticated. Returns undefined
 * when the CA has no renewalInfo in its directory. Throws BAD_RESPONSE for a
 * window that is not two RFC 3339 times with start before end.
 */
export async function fetchRenewalInfo(client: AcmeClient, certId: string): Promise<RenewalInfoResult | undefined> {
  const directory = await client.directory();
  if (!directory.renewalInfo) return undefined;
  const url = `${directory.renewalInfo.replace(/\/+$/, '')}/${certId}`;
  const res = await client.getJson<RenewalInfo>(url);
  const window = res.body?.suggestedWindow;
  const start = Date.parse(window?.start ?? '');
  const end = Date.parse(window?.end ?? '');
  if (!Number.isFinite(start) || !Number.isFinite(end) || end < start) {
    throw new BadResponseError(`${url} has no valid suggestedWindow (RFC 9773 §4.2)`);
  }
  return { renewalInfo: res.body, ...(res.retryAfterMs !== undefined ? { retryAfterMs: res.retryAfterMs } : {}) };
}
