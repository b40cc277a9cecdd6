/**
 * `lsync doctor` reports a remote's encryption: the configured mode (from the repository, or from
 * --sse / --sse-kms-key-id / --sse-c-key-env for a bucket not bound yet) and what the service says
 * of an object written with it. moto reports SSE-S3 and SSE-KMS and ignores SSE-C; s3rver ignores
 * all of them: there the finding is a note, not a pass.
 */
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { serverKinds, useServer, type ServerInfo } from '../support/servers.js';
import { runCli } from '../support/world.js';

interface Report {
  capabilities: Record<string, unknown>;
  details: Record<string, string>;
}

async function doctor(server: ServerInfo, flags: readonly string[], env: Record<string, string> = {}): Promise<Report> {
  const bucket = await server.createBucket();
  const dir = join(await mkdtemp(join(tmpdir(), 'lsync-sse-doctor-')), 'x');
  await mkdir(dir);
  const r = await runCli(dir, ['doctor', `s3://${bucket}/team`, '--json', ...flags], { ...server.env, ...env });
  assert.equal(r.code, 0, r.stderr + r.stdout);
  return JSON.parse(r.stdout) as Report;
}

for (const kind of serverKinds()) {
  describe(`doctor: encryption [${kind}]`, () => {
    const server = useServer(kind);

    test('nothing configured: none', async () => {
      const r = await doctor(server(), []);
      assert.equal(r.capabilities['encryption'], 'none');
    });

    test('SSE-KMS with a key: reported by the service where it keeps it (moto), a note where it does not (s3rver)', async () => {
      const r = await doctor(server(), ['--sse', 'aws:kms', '--sse-kms-key-id', 'alias/doctor']);
      assert.equal(r.capabilities['encryption'], 'aws:kms');
      const detail = r.details['encryption'] ?? '';
      if (kind === 'moto') assert.match(detail, /^configured aws:kms \(key alias\/doctor\), the service reports aws:kms \(key alias\/doctor\); ETags are not MD5s/);
      else assert.match(detail, /^configured aws:kms \(key alias\/doctor\), but the service reports none/);
    });

    test('SSE-C: the key variable named, never the key; neither test server keeps it', async () => {
      const key = randomBytes(32).toString('base64');
      const r = await doctor(server(), ['--sse-c-key-env', 'DOCTOR_KEY'], { DOCTOR_KEY: key });
      assert.equal(r.capabilities['encryption'], 'SSE-C');
      assert.match(r.details['encryption'] ?? '', /configured SSE-C \(key from \$DOCTOR_KEY\), but the service reports none/);
      assert.doesNotMatch(JSON.stringify(r), new RegExp(key.slice(0, 16).replace(/[+/]/g, '.')));
    });
  });
}
