// Set by esbuild's `define` when bundling (scripts/build-sea.mjs), so the binary never reads package.json or git.
declare const __ACMECLI_VERSION__: string | undefined;
declare const __ACMECLI_COMMIT__: string | undefined;
declare const __ACMECLI_BUILD_DATE__: string | undefined;

export const VERSION: string = typeof __ACMECLI_VERSION__ === 'string' ? __ACMECLI_VERSION__ : '0.0.0-dev';
export const USER_AGENT = `acmecli/${VERSION}`;

/** What `acmecli version` prints, so a bug report says exactly what ran. */
export interface VersionInfo {
  version: string;
  /** The git commit the build came from (`-dirty` when the tree had changes), or "unknown" outside git. */
  commit: string;
  /** SOURCE_DATE_EPOCH, else the commit's date (ISO 8601): two builds of one commit are the same bytes. */
  buildDate: string;
  /** The Node that runs this code: the one inside the single executable, or the installed one for npm. */
  node: string;
  /** `linux-x64` and the like. */
  platform: string;
  /** The OpenSSL that Node was built with, which does the TLS to the CA. */
  openssl: string;
}

export function versionInfo(): VersionInfo {
  return {
    version: VERSION,
    commit: typeof __ACMECLI_COMMIT__ === 'string' ? __ACMECLI_COMMIT__ : 'unknown',
    buildDate: typeof __ACMECLI_BUILD_DATE__ === 'string' ? __ACMECLI_BUILD_DATE__ : 'unknown',
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    openssl: process.versions.openssl ?? 'none',
  };
}

export function formatVersionInfo(info: VersionInfo): string {
  return [
    `acmecli ${info.version}`,
    `commit:     ${info.commit}`,
    `built:      ${info.buildDate}`,
    `node:       ${info.node}`,
    `platform:   ${info.platform}`,
    `openssl:    ${info.openssl}`,
  ].join('\n');
}
