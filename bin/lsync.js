#!/usr/bin/env node
// The only place that sets the process exit code. Everything else is in dist/src/cli/main.js.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const { main } = await import('../dist/src/cli/main.js');

// First Ctrl-C (or SIGTERM): stop taking new work, record what finished, exit 130.
// Second Ctrl-C: stop at once (the database is still consistent: it only records finished work).
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
// `lsync status | head`: a closed pipe is the reader's choice, not an error worth a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
}
process.on('SIGTERM', onSignal);

const code = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  cwd: process.cwd(),
  env: process.env,
  signal: controller.signal,
});
process.exitCode = code;
