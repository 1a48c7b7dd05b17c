#!/usr/bin/env node
// Makes sure the tools the integration tests need are on PATH: `pebble` and
// `pebble-challtestsrv` (Debian package pebble), `openssl`, and BIND 9 (`named`,
// `rndc`, `nsupdate`, `dig`: Debian bind9 and bind9-dnsutils) for the dns-01 tests. When one is missing
// and we run as root with apt-get, it is installed; otherwise the run fails and
// says how to install it. Never a silent skip (CONTRIBUTING.md, rules of the house).
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';

/** Debian package → the commands it must provide. */
const PACKAGES = {
  pebble: ['pebble', 'pebble-challtestsrv'],
  openssl: ['openssl'],
  nginx: ['nginx'], // cert check against a real web server; the default output files in a TLS handshake
  apache2: ['apache2'], // test/integration/web-servers.test.ts: SSLCertificateFile NAME.fullchain.crt
  haproxy: ['haproxy'], // test/integration/web-servers.test.ts: crt NAME.haproxy.pem
  // The generated completion scripts are run in the real shells (test/binary/completion.test.ts).
  zsh: ['zsh'],
  fish: ['fish'],
  // systemd-analyze verify/security on the packaged units (test/packaging/systemd-units.test.ts).
  systemd: ['systemd-analyze'],
  // strip: npm run build makes the single executable from a stripped copy of Node (scripts/build-sea.mjs).
  binutils: ['strip'],
  // The dns-01 providers' tests: a real primary, recursive and secondary BIND (named, rndc)…
  bind9: ['named', 'rndc'],
  // …and nsupdate, which the exec provider's test script calls.
  'bind9-dnsutils': ['nsupdate', 'dig'],
  'prometheus-node-exporter': ['prometheus-node-exporter'], // reads cert renew --metrics-file
  tinyproxy: ['tinyproxy'], // the forward proxy that HTTPS_PROXY / HTTP_PROXY name in the proxy tests
};

function onPath(command) {
  // named and rndc live in /usr/sbin, which a normal user's PATH may lack; the tests look there too.
  for (const dir of [...(process.env.PATH ?? '').split(path.delimiter), '/usr/sbin', '/sbin']) {
    if (!dir) continue;
    try {
      accessSync(path.join(dir, command), constants.X_OK);
      return true;
    } catch {
      // not in this directory
    }
  }
  return false;
}

function missingPackages() {
  return Object.entries(PACKAGES)
    .filter(([, commands]) => commands.some((command) => !onPath(command)))
    .map(([pkg]) => pkg);
}

function howToInstall(pkg) {
  return `${pkg} is not installed: run \`sudo apt-get install ${pkg}\` (Debian/Ubuntu package ${pkg})`;
}

function apt(args) {
  console.error(`ensure-pebble: apt-get ${args.join(' ')}`);
  const result = spawnSync('apt-get', args, {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  if (result.error) console.error(`ensure-pebble: apt-get could not run: ${result.error.message}`);
  return result.status === 0;
}

let missing = missingPackages();
if (missing.length > 0 && process.getuid?.() === 0 && onPath('apt-get')) {
  console.error(`ensure-pebble: installing ${missing.join(', ')}`);
  // Try without refreshing the package lists first: it is much faster when they are current.
  if (!apt(['install', '-y', '--no-install-recommends', ...missing])) {
    if (apt(['update'])) apt(['install', '-y', '--no-install-recommends', ...missing]);
  }
  missing = missingPackages();
}
if (missing.length > 0) {
  for (const pkg of missing) console.error(howToInstall(pkg));
  process.exit(1);
}
