import { writeFile } from 'node:fs/promises';
import { afterAll, expect, test } from 'vitest';

import { UsageError } from '../../../src/errors.js';
import { issuedLineage, showCertificateFile } from '../../../src/issuance/certificate-file.js';
import { LineageStore } from '../../../src/state/lineage-store.js';
import { makeCertificate, makeTempDir } from '../certs/support.js';

const temp = makeTempDir();
afterAll(() => temp.cleanup());

test('cert show FILE: the leaf described, the days left counted from the given moment, the chain counted', async () => {
  const notAfter = new Date('2026-03-01T00:00:00Z');
  const leaf = await makeCertificate({ subjectCn: 'www.example.org', dnsNames: ['www.example.org'], ipAddresses: ['192.0.2.1'], notBefore: new Date('2026-01-01T00:00:00Z'), notAfter, serialNumber: '0a0b' });
  const other = await makeCertificate({ subjectCn: 'Intermediate' });
  const file = temp.path('chain.pem');
  await writeFile(file, `${leaf}${other}`);
  const shown = await showCertificateFile(file, new Date('2026-02-19T12:00:00Z'));
  expect(shown).toMatchObject({
    file, dnsNames: ['www.example.org'], ipAddresses: ['192.0.2.1'], notAfter: notAfter.toISOString(), daysLeft: 9, serial: '0a0b', chainLength: 2, ariCertId: null,
  });
  expect(shown.subject).toContain('www.example.org');
});

test('a file with no certificate, or a name with no issued lineage, is one usage line', async () => {
  const empty = temp.path('empty.pem');
  await writeFile(empty, 'not a certificate\n');
  await expect(showCertificateFile(empty, new Date())).rejects.toThrow(new UsageError(`${empty} holds no PEM certificate`));
  await expect(issuedLineage(new LineageStore(temp.path('state')), 'www.example.org')).rejects.toThrow(
    new UsageError('www.example.org: no such file, and no lineage of that name (see acmecli cert list)'));
});
