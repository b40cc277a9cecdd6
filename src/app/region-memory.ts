/**
 * Recording a bucket's region learnt from a redirect (remote/s3/region.ts) as the remote's
 * `region` in config.yaml, so that the next run signs for it from its first request. The write
 * starts when the redirect is seen and never fails the run: a config that cannot be written only
 * means the next run follows the redirect once more (said on stderr).
 */
import { setRemoteOptions } from '../state/config-edit.js';

export function regionRecorder(metaDir: string, remoteName: string, notice?: (message: string) => void): (region: string) => void {
  const say = notice ?? ((m: string): void => void process.stderr.write(`lsync: ${m}\n`));
  return (region) => {
    setRemoteOptions(metaDir, remoteName, { region }).then(
      () => say(`the bucket of remote "${remoteName}" is in region ${region}: recorded in config.yaml`),
      (e: unknown) => say(`the bucket of remote "${remoteName}" is in region ${region}, but config.yaml could not record it (${e instanceof Error ? e.message : String(e)}); pass --region ${region}`),
    );
  };
}
