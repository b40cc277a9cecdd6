/**
 * `lsync diff` as a person reads it: unified diff (remote as `a/`, local as `b/`, as git shows the
 * index against the work tree), `--stat`'s histogram, and sizes and hashes for binary files.
 */
import type { DiffResult, FileDiff } from '../app/diff.js';
import type { Paint } from '../cli/render/colour.js';

const short = (h: string | undefined): string => (h === undefined ? 'unknown' : h.slice(0, 12));

function binaryLine(f: FileDiff): string {
  const o = f.old !== undefined ? `${f.old.size} bytes (md5 ${short(f.old.hash)})` : 'missing';
  const n = f.new !== undefined ? `${f.new.size} bytes (md5 ${short(f.new.hash)})` : 'missing';
  return `Binary files differ: ${o} → ${n}`;
}

export function patchLines(r: DiffResult, p: Paint): string[] {
  const oldName = r.against === 'base' ? 'base' : 'remote';
  const lines: string[] = [];
  for (const f of r.files) {
    lines.push(p.bold(`diff --lsync ${oldName}/${f.path} local/${f.path}`));
    if (f.old === undefined) lines.push(p.bold('new file (only here)'));
    if (f.new === undefined) lines.push(p.bold(r.against === 'base' ? 'deleted file (here)' : 'deleted here, or not pulled yet'));
    if (f.unavailable !== undefined) lines.push(p.yellow(`${f.path}: ${f.unavailable}`));
    if (f.binary || f.text === undefined) {
      lines.push(binaryLine(f));
      continue;
    }
    lines.push(p.bold(`--- ${f.old !== undefined ? `${oldName}/${f.path}` : '/dev/null'}`));
    lines.push(p.bold(`+++ ${f.new !== undefined ? `local/${f.path}` : '/dev/null'}`));
    for (const l of f.text.lines) {
      if (l.startsWith('@@')) lines.push(p.cyan(l));
      else if (l.startsWith('+')) lines.push(p.green(l));
      else if (l.startsWith('-')) lines.push(p.red(l));
      else lines.push(l);
    }
  }
  return lines;
}

export function statLines(r: DiffResult, p: Paint, width = 60): string[] {
  const name = Math.max(0, ...r.files.map((f) => f.path.length));
  const most = Math.max(1, ...r.files.map((f) => (f.text?.added ?? 0) + (f.text?.removed ?? 0)));
  const scale = Math.min(1, width / most);
  let added = 0;
  let removed = 0;
  const lines = r.files.map((f) => {
    if (f.binary || f.text === undefined) return ` ${f.path.padEnd(name)} | Bin ${f.old?.size ?? 0} -> ${f.new?.size ?? 0} bytes`;
    added += f.text.added;
    removed += f.text.removed;
    const n = f.text.added + f.text.removed;
    const plus = Math.ceil(f.text.added * scale);
    const minus = Math.ceil(f.text.removed * scale);
    return ` ${f.path.padEnd(name)} | ${String(n).padStart(4)} ${p.green('+'.repeat(plus))}${p.red('-'.repeat(minus))}`;
  });
  const files = r.files.length;
  lines.push(` ${files} file${files === 1 ? '' : 's'} changed, ${added} insertion${added === 1 ? '' : 's'}(+), ${removed} deletion${removed === 1 ? '' : 's'}(-)`);
  return lines;
}

export function diffJson(r: DiffResult): Record<string, unknown> {
  return {
    type: 'diff',
    remote: r.remote,
    against: r.against,
    differs: r.files.length > 0,
    files: r.files.map((f) => ({
      path: f.path,
      state: f.state,
      binary: f.binary,
      ...(f.old !== undefined ? { old: f.old } : {}),
      ...(f.new !== undefined ? { new: f.new } : {}),
      ...(f.text !== undefined ? { added: f.text.added, removed: f.text.removed, hunks: f.text.lines } : {}),
      ...(f.unavailable !== undefined ? { unavailable: f.unavailable } : {}),
    })),
  };
}
