// The tests' one door to @peculiar/x509, an independent X.509 implementation that makes fixtures
// (forged certificates, CSRs) and reads what acmecli's own DER code wrote; acmecli itself does not
// use it (src/certs/x509-der.ts). Every call passes Node's WebCrypto explicitly instead of setting the
// library's process-wide default provider. The Reflect metadata shim the library needs at load time is
// installed by vitest's setup file (test/support/process-setup.ts), before anything imports this module.
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

/** Node's WebCrypto, passed as the `crypto` argument of every @peculiar/x509 call that takes one. */
export const nodeCrypto = webcrypto;

export { x509 };
