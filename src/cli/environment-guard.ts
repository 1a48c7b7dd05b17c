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

/** Exit status of a refusal: the environment is an input, and it is wrong (like a usage error). */
export const ENVIRONMENT_REFUSED_EXIT = 2;
