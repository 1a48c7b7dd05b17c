import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { loadClientConfig, realPath } from '../../../src/agent/config/load.js';
import { parseClientConfig } from '../../../src/agent/config/parse.js';
import { certificateId, certificatePaths, checkCertificateDir } from '../../../src/agent/config/paths.js';
import { COMMON_DEFAULTS, ClientConfigError } from '../../../src/agent/config/schema.js';

const dir = '/etc/ssl/certificates/';

describe('certificatePaths (manager-contract.md §6.7)', () => {
  test.each([
    ['unnamed: <dir><issuer>/<domain><ext>', { name: '', issuer: 'letsencrypt', domain: 'a.example' }, dir,
      { cert: '/etc/ssl/certificates/letsencrypt/a.example.crt', key: '/etc/ssl/certificates/letsencrypt/a.example.key', ca: '/etc/ssl/certificates/letsencrypt/a.example.ca.crt' }],
    ['named: <dir><name><ext>, flat', { name: 'web', issuer: 'letsencrypt', domain: 'a.example' }, dir,
      { cert: '/etc/ssl/certificates/web.crt', key: '/etc/ssl/certificates/web.key', ca: '/etc/ssl/certificates/web.ca.crt' }],
    ['wildcard stays literal', { name: '', issuer: 'le', domain: '*.example.com' }, dir,
      { cert: '/etc/ssl/certificates/le/*.example.com.crt', key: '/etc/ssl/certificates/le/*.example.com.key', ca: '/etc/ssl/certificates/le/*.example.com.ca.crt' }],
    ['empty dir: relative to the working directory', { name: '', issuer: 'le', domain: 'a.example' }, '',
      { cert: 'le/a.example.crt', key: 'le/a.example.key', ca: 'le/a.example.ca.crt' }],
    ['relative dir', { name: 'api', issuer: 'le', domain: 'a.example' }, 'certs/',
      { cert: 'certs/api.crt', key: 'certs/api.key', ca: 'certs/api.ca.crt' }],
  ])('%s', (_, cert, certificateDir, paths) => {
    expect(certificatePaths({ ...COMMON_DEFAULTS, certificateDir }, cert)).toEqual(paths);
  });

  test('configured extensions', () => {
    const common = parseClientConfig('common:\n  certificate_dir: /srv/tls/\n  certificate_file_ext: .pem\n  certificate_keyfile_ext: -key.pem\n  certificate_ca_file_ext: -chain.pem\n', 'c.yml').common;
    expect(certificatePaths(common, { name: '', issuer: 'le', domain: 'a.example' })).toEqual({
      cert: '/srv/tls/le/a.example.pem', key: '/srv/tls/le/a.example-key.pem', ca: '/srv/tls/le/a.example-chain.pem',
    });
  });

  test('paths of parsed certificates', () => {
    const config = parseClientConfig(`common:\n  certificate_dir: ${dir}\ncertificate:\n  - {domain: "*.example.com", issuer: le}\n  - {domain: b.example, issuer: le, name: b}\n`, 'c.yml');
    expect(config.certificates.map((cert) => certificatePaths(config.common, cert).cert)).toEqual([
      '/etc/ssl/certificates/le/*.example.com.crt',
      '/etc/ssl/certificates/b.crt',
    ]);
  });
});

describe('certificateId', () => {
  test.each([
    [{ name: '', issuer: 'le', domain: 'a.example' }, 'le/a.example'],
    [{ name: 'web', issuer: 'le', domain: 'a.example' }, 'web'],
    [{ name: '', issuer: 'le', domain: '*.a.example' }, 'le/*.a.example'],
  ])('%j is %s', (cert, id) => {
    expect(certificateId(cert)).toBe(id);
  });
});

describe('checkCertificateDir: never the configuration file\'s own folder', () => {
  const root = realPath(mkdtempSync(join(tmpdir(), 'acmecli-config-')));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const confDir = join(root, 'conf');
  mkdirSync(confDir);
  const configPath = join(confDir, 'client-config.yml');
  writeFileSync(configPath, 'common: {}\n');
  symlinkSync(confDir, join(root, 'link'));
  const configWith = (certificateDir: string) => parseClientConfig(`common:\n  certificate_deploy: true\n  certificate_dir: "${certificateDir}"\n`, 'client-config.yml');

  test.each([
    ['the same folder', `${confDir}/`],
    ['the same folder through a symbolic link', `${root}/link/`],
    ['the same folder written with ..', `${confDir}/sub/../`],
  ])('refuses %s', (_, certificateDir) => {
    const run = () => checkCertificateDir(configWith(certificateDir), configPath, realPath);
    expect(run).toThrow(ClientConfigError);
    expect(run).toThrow(
      `client-config.yml:3: common.certificate_dir: "${certificateDir}" is the folder of the configuration file itself (${confDir}); choose a folder of its own (the cleanup deletes every certificate and key file in it that the manager does not list)`,
    );
  });

  test('refuses it when the configuration is reached through a symbolic link', () => {
    expect(() => checkCertificateDir(configWith(`${confDir}/`), join(root, 'link', 'client-config.yml'), realPath)).toThrow(/is the folder of the configuration file itself/);
  });

  test.each([
    ['a sub-folder', `${confDir}/certs/`],
    ['a sibling that does not exist yet', `${root}/certs/`],
    ['the parent folder', `${root}/`],
  ])('accepts %s', (_, certificateDir) => {
    expect(() => checkCertificateDir(configWith(certificateDir), configPath, realPath)).not.toThrow();
  });

  test('an empty certificate_dir is the working directory', () => {
    const fakeRealpath = (path: string) => (path === '.' ? '/srv/agent' : path);
    const config = parseClientConfig('common:\n  certificate_deploy: true\n', 'client-config.yml');
    expect(() => checkCertificateDir(config, '/srv/agent/client-config.yml', fakeRealpath)).toThrow(
      'client-config.yml: common.certificate_dir: "." is the folder of the configuration file itself (/srv/agent);',
    );
    expect(() => checkCertificateDir(config, '/etc/agent/client-config.yml', fakeRealpath)).not.toThrow();
  });
});

describe('loadClientConfig', () => {
  const root = mkdtempSync(join(tmpdir(), 'acmecli-load-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  test('reads and parses the file; messages name the path given', async () => {
    const path = join(root, 'client-config.yml');
    writeFileSync(path, 'common:\n  certificate_dir: /srv/tls/\n  delay_before_delete: 1d\n');
    const config = await loadClientConfig(path);
    expect(config.file).toBe(path);
    expect(config.common.delayBeforeDeleteMs).toBe(86_400_000);
    writeFileSync(path, 'common:\n  certificate_dir: /srv/tls\n');
    await expect(loadClientConfig(path)).rejects.toThrow(`${path}:2: common.certificate_dir: "/srv/tls" must end with "/"`);
  });

  test('a missing file is one IO error line', async () => {
    const path = join(root, 'missing.yml');
    await expect(loadClientConfig(path)).rejects.toMatchObject({ code: 'IO', message: `cannot read the client configuration ${path}: no such file or folder` });
  });

  test('a folder is one IO error line', async () => {
    await expect(loadClientConfig(root)).rejects.toMatchObject({ code: 'IO', message: `cannot read the client configuration ${root}: it is a folder` });
  });
});
