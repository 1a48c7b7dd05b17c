#!/usr/bin/env node
// The npm package's command: the same bundle the single executable carries (npm run build makes it),
// so `npm install -g acmecli` and dist/acmecli behave alike. The bundle needs Node 24 (engines):
// an older Node gets one line instead of a syntax error from deep inside it.
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  process.stderr.write(`acmecli: needs Node.js 24 or later, but ${process.execPath} is ${process.version}\n`);
  process.exit(1);
}
await import('../dist/acmecli.cjs');
