// Set by esbuild's `define` when bundling (scripts/build-sea.mjs), so the binary never reads package.json.
declare const __ACMECLI_VERSION__: string | undefined;

export const VERSION: string = typeof __ACMECLI_VERSION__ === 'string' ? __ACMECLI_VERSION__ : '0.0.0-dev';
export const USER_AGENT = `acmecli/${VERSION}`;
