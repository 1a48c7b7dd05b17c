// The one door to @peculiar/x509: the Reflect shim it needs must run first, and every call passes
// Node's WebCrypto explicitly instead of setting the library's process-wide default provider.
import './reflect-metadata-shim.js';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

/** Node's WebCrypto, passed as the `crypto` argument of every @peculiar/x509 call that takes one. */
export const nodeCrypto = webcrypto;

export { x509 };
