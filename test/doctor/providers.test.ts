/** The provider table (providers.ts) and what quirks.ts selects from it. */
import { strict as assert } from 'node:assert';
import { describe, test } from 'node:test';
import { resolveRegion } from '../../src/remote/s3/client.js';
import { ALL_PROVIDERS, PROVIDER_TABLE, providerNamed, providerOfEndpoint, regionOfEndpoint, USER_PROVIDERS } from '../../src/remote/s3/providers.js';
import { detectProvider, quirksFor } from '../../src/remote/s3/quirks.js';

const NO_ENV = {};

describe('provider table', () => {
  test('every row is complete and names itself', () => {
    for (const p of ALL_PROVIDERS) {
      const row = PROVIDER_TABLE[p];
      assert.equal(row.name, p);
      assert.ok(row.title.length > 0 && row.note.length > 0, p);
      assert.ok(row.parts.min >= 5 * 1024 * 1024 && row.parts.max >= row.parts.min && row.parts.maxCount > 0, p);
      assert.ok(row.copyLimit > 0, p);
    }
    assert.deepEqual([...USER_PROVIDERS].sort(), ['aws', 'b2', 'ceph', 'garage', 'gcs', 'minio', 'other', 'r2', 'wasabi']);
  });

  test('only AWS keeps the SDK checksum default and virtual-hosted addressing', () => {
    for (const p of ALL_PROVIDERS) {
      const q = quirksFor(p);
      const aws = p === 'aws';
      assert.equal(q.requestChecksumCalculation, aws ? 'WHEN_SUPPORTED' : 'WHEN_REQUIRED', p);
      assert.equal(q.responseChecksumValidation, aws ? 'WHEN_SUPPORTED' : 'WHEN_REQUIRED', p);
      assert.equal(q.forcePathStyle, !aws, p);
    }
  });

  test('multipart ETags: meaningful on AWS and MinIO, random on R2, B2 and GCS', () => {
    assert.equal(quirksFor('aws').multipartEtagIsMd5OfParts, true);
    assert.equal(quirksFor('minio').multipartEtagIsMd5OfParts, true);
    for (const p of ['r2', 'b2', 'gcs'] as const) assert.equal(quirksFor(p).multipartEtagIsMd5OfParts, false, p);
  });

  test('copy limits: GCS copies any size in one request and has no part copy', () => {
    assert.equal(quirksFor('aws').copyLimit, 5 * 1024 ** 3);
    assert.equal(quirksFor('aws').partCopy, true);
    assert.equal(quirksFor('gcs').partCopy, false);
    assert.ok(quirksFor('gcs').copyLimit > 1024 ** 4);
  });

  test('unknown services get the cautious listing settings', () => {
    const q = quirksFor('other');
    assert.equal(q.consistentListing, false);
    assert.equal(q.delimiterListing, false);
    assert.equal(q.sortedListing, true);
  });
});

describe('provider detection', () => {
  test('from endpoints whose host is unambiguous', () => {
    assert.equal(providerOfEndpoint(undefined), 'aws');
    assert.equal(providerOfEndpoint('https://s3.eu-west-2.amazonaws.com'), 'aws');
    assert.equal(providerOfEndpoint('https://0123abcd.r2.cloudflarestorage.com'), 'r2');
    assert.equal(providerOfEndpoint('https://0123abcd.eu.r2.cloudflarestorage.com'), 'r2');
    assert.equal(providerOfEndpoint('https://s3.us-west-004.backblazeb2.com'), 'b2');
    assert.equal(providerOfEndpoint('https://s3.eu-central-1.wasabisys.com'), 'wasabi');
    assert.equal(providerOfEndpoint('https://storage.googleapis.com'), 'gcs');
    // A host that merely contains a provider's name is not that provider.
    assert.equal(providerOfEndpoint('https://notamazonaws.com'), undefined);
    assert.equal(providerOfEndpoint('https://rgw.example.org'), undefined);
    assert.equal(providerOfEndpoint('not a url'), undefined);
  });

  test('explicit names win, with aliases and any case; unknown names list the known ones', () => {
    assert.equal(detectProvider('https://storage.googleapis.com', 'r2'), 'r2');
    assert.equal(detectProvider(undefined, 'GCS'), 'gcs');
    assert.equal(detectProvider(undefined, 'generic'), 'other');
    assert.equal(providerNamed('cloudflare'), 'r2');
    assert.throws(() => detectProvider(undefined, 'azure'), /unknown S3 provider "azure" \(known: aws, r2, b2, wasabi, minio, ceph, gcs, garage, other\)/);
  });

  test('self-hosted hosts fall back to other', () => {
    assert.equal(detectProvider('https://rgw.example.org'), 'other');
    assert.equal(detectProvider('https://s3.internal:8443'), 'other');
    assert.equal(detectProvider('http://garage.lan:3900'), 'garage');
  });
});

describe('region', () => {
  test('spelled by the endpoint, else the provider\'s fixed one; --region and the environment win', () => {
    assert.equal(regionOfEndpoint('b2', 'https://s3.us-west-004.backblazeb2.com'), 'us-west-004');
    assert.equal(regionOfEndpoint('wasabi', 'https://s3.eu-central-1.wasabisys.com'), 'eu-central-1');
    assert.equal(regionOfEndpoint('aws', 'https://s3.eu-west-2.amazonaws.com'), 'eu-west-2');
    assert.equal(regionOfEndpoint('aws', 'https://s3-eu-west-2.amazonaws.com'), 'eu-west-2');
    assert.equal(regionOfEndpoint('aws', 'https://s3.amazonaws.com'), undefined);
    assert.equal(resolveRegion(undefined, quirksFor('b2'), NO_ENV, 'https://s3.us-west-004.backblazeb2.com'), 'us-west-004');
    assert.equal(resolveRegion(undefined, quirksFor('r2'), NO_ENV, 'https://x.r2.cloudflarestorage.com'), 'auto');
    assert.equal(resolveRegion(undefined, quirksFor('aws'), NO_ENV, undefined), undefined);
    assert.equal(resolveRegion('eu-north-1', quirksFor('r2'), NO_ENV), 'eu-north-1');
    assert.equal(resolveRegion(undefined, quirksFor('r2'), { AWS_REGION: 'us-east-2' }), 'us-east-2');
  });
});
