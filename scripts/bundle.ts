/**
 * Bundles the compiled CLI (dist/src, from tsc) into dist/bundle/ with esbuild.
 *
 * Why: start-up. Unbundled, Node resolves and reads several hundred small ESM files (the AWS SDK
 * alone is most of them) before lsync sends its first request: about 0.23 s of a 0.4 s no-op on the
 * bench machine. The bundle loads in a third of that. Code splitting keeps the S3 and file://
 * remotes in chunks of their own, loaded only when a repository needs them (open.ts imports them
 * dynamically), and the MD5 worker is an entry of its own because it is started by file name
 * (md5-thread.ts: `new URL('./md5-worker.js', import.meta.url)`, which resolves next to the chunk).
 *
 * bin/lsync.js runs the bundle when it is at least as new as dist/src/cli/main.js, else the tsc
 * output: a bare `tsc` after a change never leaves an old bundle in charge.
 *
 * Run by `npm run build` (and so by `npm install`, `npm test`): `tsc -p . && node dist/scripts/bundle.js`.
 */
import { build } from 'esbuild';
import { mkdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const outdir = join(root, 'dist', 'bundle');

await rm(outdir, { recursive: true, force: true });
await mkdir(outdir, { recursive: true });
const result = await build({
  absWorkingDir: root,
  entryPoints: ['dist/src/cli/main.js', 'dist/src/scan/md5-worker.js'],
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outdir,
  entryNames: '[name]',
  // Chunks beside the entries: the worker's URL is resolved relative to the chunk that starts it.
  chunkNames: '[name]-[hash]',
  // Some dependencies are CommonJS that call require() on Node built-ins; an ESM bundle has no
  // require of its own, so give each output file one.
  banner: { js: "import { createRequire as __lsyncCreateRequire } from 'node:module'; const require = __lsyncCreateRequire(import.meta.url);" },
  // A native addon that picks its prebuilt binary at run time: loaded from node_modules as it is.
  external: ['@parcel/watcher'],
  sourcemap: 'linked',
  legalComments: 'none',
  // Start-up again: V8 pre-parses every byte of an ES module before running it, and minified code
  // is about half the bytes. Names are kept (error names, --verbose traces go through the map).
  minify: true,
  keepNames: true,
  logLevel: 'warning',
});
if (result.errors.length > 0) process.exit(1);
