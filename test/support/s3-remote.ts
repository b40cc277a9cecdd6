/**
 * An S3Remote on a test server (support/servers.ts): its endpoint, credentials and provider
 * quirks, plus whatever a test tunes (bucket, prefix, thresholds, concurrency).
 */
import { S3Remote, type S3RemoteOptions } from '../../src/remote/s3/s3-remote.js';
import type { ServerInfo } from './servers.js';

export function s3RemoteOn(server: ServerInfo, options: Omit<S3RemoteOptions, 'endpoint' | 'credentials' | 'provider'> & Partial<Pick<S3RemoteOptions, 'provider'>>): S3Remote {
  return new S3Remote({
    endpoint: server.endpoint,
    provider: server.kind,
    credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
    ...options,
  });
}
