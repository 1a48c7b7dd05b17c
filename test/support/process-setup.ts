// vitest's setup file: what the process entry (src/entry/run.ts) does for the real process, done in each
// test process, since tests import modules and run main() in-process without going through that entry.
// Only the Reflect metadata shim that @peculiar/x509 needs at load time: see run.ts for the reason.
import '../../src/certs/reflect-metadata-shim.js';
