import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../support/cli.js';

export const version = (JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;
export const releaseDir = path.join(repoRoot, 'dist', 'release');
export const debFile = path.join(releaseDir, `acmecli_${version}_amd64.deb`);
export const tarballFile = path.join(releaseDir, `acmecli-${version}-linux-x64.tar.xz`);

/** The artifacts must exist: these tests check what `npm run package` made, never a fallback. */
export function requireArtifacts(): void {
  for (const file of [debFile, tarballFile, path.join(releaseDir, 'SHA256SUMS')]) {
    if (!existsSync(file)) throw new Error(`${file} is missing: run \`npm run package\` first (.ci/run does)`);
  }
}
