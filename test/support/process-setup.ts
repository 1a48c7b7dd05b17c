// vitest's setup file, run in each test process before any test module loads. Only the Reflect metadata shim that @peculiar/x509 (the tests' fixture library) needs at load time:
// see test/support/reflect-metadata-shim.ts.
import './reflect-metadata-shim.js';
