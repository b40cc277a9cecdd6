/**
 * docs/commands.md is what `npm run docs` makes from the command definitions (a change to a
 * command without `npm run docs` fails here), and every command's --help shows 2 or 3 examples
 * that are real lsync command lines.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { commands } from '../../src/cli/commands/index.js';
import { commandSpec } from '../../src/cli/introspect.js';
import { COMMANDS_DOC, renderCommandsDoc } from '../../scripts/docs.js';

test('docs/commands.md matches the command definitions (run `npm run docs` after changing a command)', async () => {
  const committed = await readFile(COMMANDS_DOC, 'utf8');
  const fresh = await renderCommandsDoc();
  if (committed !== fresh) {
    const a = committed.split('\n');
    const b = fresh.split('\n');
    const at = a.findIndex((line, i) => line !== b[i]);
    assert.fail(`docs/commands.md is out of date (first difference at line ${at + 1}:\n  committed: ${a[at] ?? '(end)'}\n  generated: ${b[at] ?? '(end)'}); run \`npm run docs\` and commit it`);
  }
  for (const c of commands) assert.ok(committed.includes(`\n## lsync ${c.name}\n`), `${c.name} has a section`);
});

test('the reference does not depend on the terminal width or the locale', async () => {
  const saved = { columns: process.stdout.columns, lang: process.env['LANG'], lcAll: process.env['LC_ALL'] };
  try {
    Object.defineProperty(process.stdout, 'columns', { value: 61, configurable: true });
    process.env['LANG'] = 'de_DE.UTF-8';
    process.env['LC_ALL'] = 'de_DE.UTF-8';
    assert.equal(await renderCommandsDoc(), await readFile(COMMANDS_DOC, 'utf8'));
  } finally {
    Object.defineProperty(process.stdout, 'columns', { value: saved.columns, configurable: true });
    for (const [k, v] of [['LANG', saved.lang], ['LC_ALL', saved.lcAll]] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
});

test('every command shows 2 or 3 examples, each an lsync command line of that command', () => {
  for (const c of commands) {
    const { examples } = commandSpec(c);
    assert.ok(examples.length >= 2 && examples.length <= 3, `lsync ${c.name} --help shows ${examples.length} examples (2 or 3 wanted)`);
    for (const [line, what] of examples) {
      // `source <(lsync completion bash)` shows lsync inside a shell line: the command is what counts.
      assert.match(line, new RegExp(`(^|[(\\s])lsync ${c.name}\\b`), `an example of lsync ${c.name}: ${line}`);
      assert.ok(what.trim().length > 0, `the example "${line}" says what it does`);
    }
  }
});
