// Apart from propagation.ts so that reading a lineage's settings (issuance/lineage-settings.ts, for
// cert list) does not load the DNS client and its UDP sockets.

/** How long the propagation check waits for a record by default (`--dns-timeout`). */
export const DEFAULT_PROPAGATION_TIMEOUT_MS = 120_000;
