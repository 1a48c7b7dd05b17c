import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The Go client's metric names, types and labels (manager-contract.md §6.12), so
 * existing dashboards keep working, plus what it registers and never emits:
 * `acme_manager_certificate_expiry` per deployed certificate, and the time and
 * result of the last sync; and one of its own, `acme_manager_local_certificate_refused`.
 */
export class AgentMetrics {
  readonly registry = new Registry();
  readonly buildInfo: Gauge<'version' | 'revision' | 'branch' | 'goversion' | 'goos' | 'goarch' | 'tags'>;
  readonly role: Gauge;
  readonly configError: Gauge;
  readonly certificateOperations: Counter<'issuer' | 'operation'>;
  readonly commandRuns: Counter<'command' | 'status'>;
  readonly metadataMismatch: Gauge<'issuer' | 'name' | 'domain'>;
  readonly certificateRefused: Gauge<'issuer' | 'name' | 'domain'>;
  readonly vaultOperations: Counter<'secret_type' | 'operation' | 'status'>;
  readonly requestsInFlight: Gauge;
  readonly certificateExpiry: Gauge<'issuer' | 'owner' | 'domain' | 'name' | 'expires' | 'encryption' | 'serial'>;
  readonly lastSyncTimestamp: Gauge;
  readonly lastSyncSuccess: Gauge;
  readonly lastSuccessfulSyncTimestamp: Gauge;

  constructor(version: string) {
    const registers = [this.registry];
    this.buildInfo = new Gauge({ name: 'acme_manager_client_build_info', help: 'Build information of the ACME Manager client (acmecli agent)', labelNames: ['version', 'revision', 'branch', 'goversion', 'goos', 'goarch', 'tags'], registers });
    this.role = new Gauge({ name: 'acme_manager_client_role', help: 'Client role: 1 full, 2 pull-only', registers });
    this.configError = new Gauge({ name: 'acme_manager_certificate_config_error', help: '1 when the last configuration load failed', registers });
    this.certificateOperations = new Counter({ name: 'acme_manager_local_certificate_operations_total', help: 'Certificates created or deleted by this client', labelNames: ['issuer', 'operation'], registers });
    this.commandRuns = new Counter({ name: 'acme_manager_local_cmd_run_total', help: 'pre/post commands run', labelNames: ['command', 'status'], registers });
    this.metadataMismatch = new Gauge({ name: 'acme_manager_local_certificate_metadata_mismatch', help: '1 when a downloaded certificate does not hash to the metadata fingerprint', labelNames: ['issuer', 'name', 'domain'], registers });
    this.certificateRefused = new Gauge({ name: 'acme_manager_local_certificate_refused', help: '1 when the certificate the manager sent failed the issued-certificate check and was not deployed (not in the Go client)', labelNames: ['issuer', 'name', 'domain'], registers });
    this.vaultOperations = new Counter({ name: 'acme_manager_vault_secret_operations_total', help: 'Vault secret operations', labelNames: ['secret_type', 'operation', 'status'], registers });
    this.requestsInFlight = new Gauge({ name: 'acme_manager_http_requests_in_flight', help: 'Always 0 in the client (kept for dashboards)', registers });
    this.certificateExpiry = new Gauge({ name: 'acme_manager_certificate_expiry', help: 'Whole days left before a deployed certificate expires', labelNames: ['issuer', 'owner', 'domain', 'name', 'expires', 'encryption', 'serial'], registers });
    this.lastSyncTimestamp = new Gauge({ name: 'acme_manager_client_last_sync_timestamp_seconds', help: 'When the last sync cycle started', registers });
    this.lastSyncSuccess = new Gauge({ name: 'acme_manager_client_last_sync_success', help: '1 when the last sync cycle reached the manager and had no error', registers });
    this.lastSuccessfulSyncTimestamp = new Gauge({ name: 'acme_manager_client_last_successful_sync_timestamp_seconds', help: 'When the last successful sync cycle started', registers });
    collectDefaultMetrics({ register: this.registry });
    this.buildInfo.set({ version, revision: '', branch: '', goversion: `node${process.versions.node}`, goos: process.platform, goarch: process.arch, tags: 'acmecli' }, 1);
    this.requestsInFlight.set(0);
    this.configError.set(0);
  }
}
