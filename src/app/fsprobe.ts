/**
 * How the local file system compares names, found by trying it: the same volume type can be
 * case-sensitive or not (APFS, ext4 with casefold, a mounted NTFS share), so the platform says
 * little. Cheap (two files in `.lsync/tmp/`), so it runs once per session instead of being cached
 * in the config, where it would go stale when the repository is moved or copied to another disk.
 */
import { randomBytes } from 'node:crypto';
import { lstat, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LsyncError } from '../core/errors.js';
import type { FsBehaviour } from '../core/names.js';

/**
 * `LSYNC_TEST_FS`: FOR TESTS ONLY. Pretends the local file system behaves this way, so the refusal
 * paths can be exercised on a case-sensitive Linux file system. Comma-separated:
 * `case-insensitive`, `normalisation-insensitive` (or `normalization-insensitive`), `sensitive`.
 * Never set it for real use: lsync would then write twins into one file.
 */
export function testFsOverride(value: string | undefined): FsBehaviour | undefined {
  if (value === undefined || value === '') return undefined;
  let caseInsensitive = false;
  let normalisationInsensitive = false;
  for (const word of value.split(',').map((w) => w.trim())) {
    if (word === 'case-insensitive') caseInsensitive = true;
    else if (word === 'normalisation-insensitive' || word === 'normalization-insensitive') normalisationInsensitive = true;
    else if (word !== 'sensitive') {
      throw new LsyncError('usage', `LSYNC_TEST_FS=${value}: unknown word "${word}"`, 'it is for tests only: case-insensitive, normalisation-insensitive, sensitive');
    }
  }
  return { caseInsensitive, normalisationInsensitive };
}

/** Same file, through either name? (inode and device, so a second file by chance is not taken for it). */
async function resolvesTo(other: string, ino: number, dev: number): Promise<boolean> {
  try {
    const st = await lstat(other);
    return st.ino === ino && st.dev === dev;
  } catch {
    return false;
  }
}

/**
 * Creates `probe-<random>-a` and `probe-<random>-e\u0301` (NFD) in `tmpDir` and checks whether
 * `...-A` and `...-\u00e9` (NFC) open them. When the probe cannot run (a read-only tree), the
 * platform's usual default is assumed: macOS and Windows volumes ignore case and normalisation.
 */
export async function probeFs(tmpDir: string): Promise<FsBehaviour> {
  const id = `probe-${randomBytes(6).toString('hex')}`;
  const lower = join(tmpDir, `${id}-a`);
  const nfd = join(tmpDir, `${id}-e\u0301`);
  try {
    await mkdir(tmpDir, { recursive: true });
    await writeFile(lower, '', { flag: 'wx' });
    await writeFile(nfd, '', { flag: 'wx' });
    const a = await lstat(lower);
    const e = await lstat(nfd);
    return {
      caseInsensitive: await resolvesTo(join(tmpDir, `${id}-A`), a.ino, a.dev),
      normalisationInsensitive: await resolvesTo(join(tmpDir, `${id}-\u00e9`), e.ino, e.dev),
    };
  } catch {
    const foreign = process.platform === 'darwin' || process.platform === 'win32';
    return { caseInsensitive: foreign, normalisationInsensitive: process.platform === 'darwin' };
  } finally {
    await rm(lower, { force: true }).catch(() => undefined);
    await rm(nfd, { force: true }).catch(() => undefined);
  }
}
