import { printableLine, truncatedEcho } from '../printable.js';

/**
 * The environment must not weaken acmecli behind its back. Node turns off every
 * TLS certificate check when NODE_TLS_REJECT_UNAUTHORIZED=0, printing only a
 * warning; for a program that fetches certificates and talks to a manager with a
 * bearer token, that is a silent man-in-the-middle. Turning checks off is only
 * ever explicit (--insecure-skip-verify, for the manager and Vault).
 * (NODE_OPTIONS is ignored by the single executable itself: execArgvExtension
 * "none" in scripts/build-sea.mjs.)
 *
 * Returns the one line to print and exit with, or undefined when all is well.
 */
export function environmentRefusal(env: Readonly<Record<string, string | undefined>>): string | undefined {
  if (env.NODE_TLS_REJECT_UNAUTHORIZED === '0') {
    return 'NODE_TLS_REJECT_UNAUTHORIZED=0 turns off TLS certificate checks; acmecli does not run so (unset it; for a private CA use --ca-file)';
  }
  return undefined;
}

/**
 * Lines to print as warnings before the command runs. NODE_EXTRA_CA_CERTS makes Node
 * trust the CAs of a file for every TLS connection (the ACME CA, the manager, Vault,
 * acme-dns) from start-up, before any code of ours runs, and says nothing. It adds
 * trust rather than removing checks, and a TLS-inspecting proxy may need it, so it is
 * not refused: it is named, every run, so that it is never there unseen. Naming the
 * host's own CA bundle adds nothing the host does not trust already (curl and apt trust
 * it): distributions and container images set it so, and that is not warned about.
 * (NODE_V8_COVERAGE is honoured by Node the same way, at start-up: see SECURITY.md.)
 */
export function environmentWarnings(env: Readonly<Record<string, string | undefined>>): string[] {
  const extra = env.NODE_EXTRA_CA_CERTS;
  if (extra === undefined || extra === '' || SYSTEM_CA_BUNDLES.has(extra)) return [];
  return [`NODE_EXTRA_CA_CERTS=${printableLine(truncatedEcho(extra))} adds the CAs of that file to those trusted for every TLS connection (the CA, the manager, Vault); prefer --ca-file or --manager-ca-file, which trust a CA for one server only`];
}

/** The system trust stores of Debian/Ubuntu/Alpine, Fedora/RHEL (two names) and the BSDs/macOS. */
const SYSTEM_CA_BUNDLES = new Set(['/etc/ssl/certs/ca-certificates.crt', '/etc/pki/tls/certs/ca-bundle.crt', '/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem', '/etc/ssl/cert.pem']);

/** Exit status of a refusal: the environment is an input, and it is wrong (like a usage error). */
export const ENVIRONMENT_REFUSED_EXIT = 2;
