#!/usr/bin/env node
// The only place that sets the process exit code. Everything else is in dist/src/cli/main.js.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

// First Ctrl-C (or SIGTERM): start nothing new; small transfers already running finish (within a
// grace period), large ones stop at once keeping their resumable state (.lsync/tmp/ partials,
// upload checkpoints); what finished is recorded; exit 130.
// Second Ctrl-C: exit 130 at once (the database is still consistent: it only records finished
// work, and interrupted transfers resume from what they left).
// Installed before main is loaded, so a Ctrl-C during start-up is handled the same way.
const controller = new AbortController();
// Every transfer in flight listens on this one signal: hundreds of listeners are expected.
(await import('node:events')).setMaxListeners(0, controller.signal);
let interrupts = 0;
const onSignal = () => {
  interrupts++;
  if (interrupts === 1) {
    process.stderr.write('\nlsync: stopping; what finished is recorded (Ctrl-C again to quit at once)\n');
    controller.abort();
  } else {
    process.exit(130);
  }
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);
// `lsync status | head`: a closed pipe is the reader's choice, not an error worth a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
}

// --verbose prints stack traces: make them name the TypeScript sources, not lines of the bundle
// (its source map chains through tsc's). Only then: reading the maps costs start-up time.
if (process.argv.includes('--verbose') || process.argv.includes('-v')) process.setSourceMapsEnabled(true);

// LSYNC_MAIN: tests built into another out dir (`tsc --outDir dist-crash`) run the CLI they built.
// Otherwise the esbuild bundle (scripts/bundle.ts; it starts several times faster than the ~300
// files tsc emits). In a checkout (src/ is there), tsc's output instead when tsc has rebuilt
// dist/src since the bundle was made, so a stale bundle never runs. Not in an installed copy:
// npm gives its files the time they were unpacked, in no set order.
const { main, saveCache } = await loadMain();

async function loadMain() {
  if (process.env.LSYNC_MAIN !== undefined) return importMain((await import('node:url')).pathToFileURL(process.env.LSYNC_MAIN).href);
  const { statSync } = await import('node:fs');
  const { fileURLToPath } = await import('node:url');
  const path = (rel) => fileURLToPath(new URL(rel, import.meta.url));
  const mtime = (rel) => statSync(path(rel), { throwIfNoEntry: false })?.mtimeMs;
  const bundled = mtime('../dist/bundle/lsync.cjs');
  const stale = () => mtime('../src/cli/main.ts') !== undefined && bundled < (mtime('../dist/src/cli/main.js') ?? 0);
  if (bundled === undefined || stale()) return importMain('../dist/src/cli/main.js');
  // Start-up is most of a no-op run (bench/RESULTS.md): V8's compiled code for the bundle is kept
  // between runs. With --verbose, Node's own loader instead, so traces go through the source map.
  if (process.sourceMapsEnabled) return { main: (await import('node:module')).createRequire(import.meta.url)('../dist/bundle/lsync.cjs').main, saveCache: () => {} };
  const { loadBundle } = await import('../dist/src/boot/compile-cache.js');
  const loaded = loadBundle(path('../dist/bundle/lsync.cjs'), process.env);
  return { main: loaded.exports.main, saveCache: () => loaded.save() };
}

async function importMain(url) {
  return { main: (await import(url)).main, saveCache: () => {} };
}

const code = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  cwd: process.cwd(),
  env: process.env,
  signal: controller.signal,
});
// main decides the exit code (src/cli/exit.ts), an interrupted run included.
process.exitCode = code;
// After the command, so the cache holds the code it compiled; only when there was none yet.
saveCache();
