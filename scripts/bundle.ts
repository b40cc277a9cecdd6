/**
 * Bundles the compiled CLI (dist/src, from tsc) into dist/bundle/ with esbuild.
 *
 * Why: start-up. Unbundled, Node resolves and reads several hundred small ESM files (the AWS SDK
 * alone is most of them) before lsync sends its first request: about 0.23 s of a 0.4 s no-op on the
 * bench machine. The bundle is one CommonJS file that bin/lsync.js compiles with V8's code cache
 * (src/boot/compile-cache.ts); the S3 and file:// remotes stay lazy inside it (open.ts imports
 * them dynamically; esbuild keeps such modules unevaluated until then).
 *
 * bin/lsync.js runs the bundle; in a checkout, tsc's output instead when dist/src/cli/main.js is
 * newer than the bundle: a bare `tsc` after a change never leaves an old bundle in charge.
 *
 * Run by `npm run build` (and so by `npm install`, `npm test`): `tsc -p . && node dist/scripts/bundle.js`.
 */
import { build, type BuildOptions } from 'esbuild';
import { mkdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const outdir = join(root, 'dist', 'bundle');

await rm(outdir, { recursive: true, force: true });
await mkdir(outdir, { recursive: true });

const shared: BuildOptions = {
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  target: 'node20',
  // A native addon that picks its prebuilt binary at run time: loaded from node_modules as it is.
  external: ['@parcel/watcher'],
  sourcemap: 'linked',
  legalComments: 'none',
  // Fewer bytes to read and parse. Names are kept (error names; --verbose traces go through the map).
  minify: true,
  keepNames: true,
  // The ES module builds where a package has one (the AWS SDK does): esbuild links their imports
  // directly and drops what lsync never calls, where the CommonJS builds copy every export of a
  // package into each module that imports it (the SDK's client: some 800 getters, 15 times) and
  // keep all of it. A smaller bundle that starts faster; bench/RESULTS.md has the figures.
  mainFields: ['module', 'main'],
  // Non-ASCII characters escaped (esbuild's default, stated): bin/lsync.js reads the bundle as
  // one-byte text without decoding it (src/boot/compile-cache.ts).
  charset: 'ascii',
  logLevel: 'warning',
};

const results = await Promise.all([
  build({
    ...shared,
    entryPoints: ['dist/src/cli/main.js'],
    // CommonJS so that bin/lsync.js can run it as a vm.Script with V8's code cache
    // (src/boot/compile-cache.ts): Node 20 caches no ES module's compiled code.
    format: 'cjs',
    outfile: join(outdir, 'lsync.cjs'),
    // The sources are ES modules that locate files next to themselves (package.json, the MD5
    // worker): give them the bundle's own URL.
    define: { 'import.meta.url': '__lsyncBundleUrl' },
    // A vm.Script cannot import() without an experimental hook: esbuild turns each import() left
    // (@parcel/watcher, built-ins some dependencies load lazily) into a require().
    supported: { 'dynamic-import': false },
    banner: { js: "const __lsyncBundleUrl = require('node:url').pathToFileURL(__filename).href;" },
  }),
  // The MD5 worker is started by file name (md5-thread.ts: `new URL('./md5-worker.js',
  // import.meta.url)`, which resolves next to the bundle): a file of its own, an ES module as in dist/src.
  build({
    ...shared,
    entryPoints: ['dist/src/scan/md5-worker.js'],
    format: 'esm',
    outfile: join(outdir, 'md5-worker.js'),
    // CommonJS dependencies calling require() on Node built-ins need one in an ES module.
    banner: { js: "import { createRequire as __lsyncCreateRequire } from 'node:module'; const require = __lsyncCreateRequire(import.meta.url);" },
  }),
]);
if (results.some((r) => r.errors.length > 0)) process.exit(1);
