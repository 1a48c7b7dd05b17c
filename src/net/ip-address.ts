// Whether a text is an IP address, by the grammar of Node's net.isIP (lib/internal/net.js, copied as it
// is), without loading node:net: that module and the socket bindings it pulls in were about 4.6 ms of
// CPU of every `dns records --offline`, which opens no socket (issue 14). The one IP test of src/, so
// that every caller answers alike; test/unit/net/ip-address.test.ts holds it to net.isIP's answers.

const V4_SEGMENT = '(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])';
const V4_ADDRESS = `(?:${V4_SEGMENT}\\.){3}${V4_SEGMENT}`;
const V6_SEGMENT = '(?:[0-9a-fA-F]{1,4})';
const IPV4 = new RegExp(`^${V4_ADDRESS}$`);
const IPV6 = new RegExp('^(?:' +
  `(?:${V6_SEGMENT}:){7}(?:${V6_SEGMENT}|:)|` +
  `(?:${V6_SEGMENT}:){6}(?:${V4_ADDRESS}|:${V6_SEGMENT}|:)|` +
  `(?:${V6_SEGMENT}:){5}(?::${V4_ADDRESS}|(?::${V6_SEGMENT}){1,2}|:)|` +
  `(?:${V6_SEGMENT}:){4}(?:(?::${V6_SEGMENT}){0,1}:${V4_ADDRESS}|(?::${V6_SEGMENT}){1,3}|:)|` +
  `(?:${V6_SEGMENT}:){3}(?:(?::${V6_SEGMENT}){0,2}:${V4_ADDRESS}|(?::${V6_SEGMENT}){1,4}|:)|` +
  `(?:${V6_SEGMENT}:){2}(?:(?::${V6_SEGMENT}){0,3}:${V4_ADDRESS}|(?::${V6_SEGMENT}){1,5}|:)|` +
  `(?:${V6_SEGMENT}:){1}(?:(?::${V6_SEGMENT}){0,4}:${V4_ADDRESS}|(?::${V6_SEGMENT}){1,6}|:)|` +
  `(?::(?:(?::${V6_SEGMENT}){0,5}:${V4_ADDRESS}|(?::${V6_SEGMENT}){1,7}|:))` +
')(?:%[0-9a-zA-Z-.:]{1,})?$');

/** 4 or 6 when `text` is an IP address of that version (an IPv6 one may carry a %zone), else 0: net.isIP's answer. */
export function ipAddressVersion(text: string): 0 | 4 | 6 {
  // Every form of IPV6 holds a colon and IPV4 none. V8 compiles a regular expression on its first use,
  // and IPV6's took about 8 ms (plain node, profiled): a name, which has no colon, never needs it.
  if (!text.includes(':')) return IPV4.test(text) ? 4 : 0;
  return IPV6.test(text) ? 6 : 0;
}
