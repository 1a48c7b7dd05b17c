export interface Link {
  url: string;
  rel: string;
}

/**
 * RFC 8288 Link headers, as ACME uses them (RFC 8555 §7.4.2 `rel="alternate"`
 * chains, §7.1 `rel="index"` and `rel="up"`). Relative targets resolve against
 * the request URL. Accepts several headers and several links per header.
 */
export function parseLinkHeaders(values: readonly string[], baseUrl: string): Link[] {
  const links: Link[] = [];
  for (const value of values) {
    for (const match of value.matchAll(/<([^>]*)>((?:\s*;\s*[^;,]+)*)/g)) {
      const target = match[1] ?? '';
      const params = match[2] ?? '';
      const rel = /;\s*rel\s*=\s*"?([^";,]+)"?/i.exec(params)?.[1];
      if (!rel) continue;
      let url: string;
      try {
        url = new URL(target, baseUrl).toString();
      } catch {
        continue;
      }
      for (const one of rel.trim().split(/\s+/)) links.push({ url, rel: one.toLowerCase() });
    }
  }
  return links;
}
