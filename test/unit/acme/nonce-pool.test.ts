import { expect, test } from 'vitest';
import { NoncePool } from '../../../src/acme/nonce-pool.js';

test('RFC 8555 §7.2: nonces from responses are used before a HEAD newNonce', async () => {
  let fetched = 0;
  const pool = new NoncePool(async () => `fresh${++fetched}`);
  pool.put('fromResponse1');
  pool.put('fromResponse2');
  expect(await pool.take()).toBe('fromResponse2');
  expect(await pool.take()).toBe('fromResponse1');
  expect(fetched).toBe(0);
  expect(await pool.take()).toBe('fresh1');
  expect(fetched).toBe(1);
});

test('each nonce is used once, malformed ones are dropped, and the pool is bounded', async () => {
  const pool = new NoncePool(async () => 'fresh', 2);
  pool.put('a');
  pool.put('not a nonce!');
  pool.put(undefined);
  pool.put('b');
  pool.put('c');
  expect(pool.size).toBe(2);
  expect(await pool.take()).toBe('c');
  expect(await pool.take()).toBe('b');
  expect(await pool.take()).toBe('fresh');
});
