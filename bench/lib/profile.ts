/** Profiles: self time per function from V8 .cpuprofile files. */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';

export interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly children?: readonly number[];
}
export interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
  readonly startTime: number;
  readonly endTime: number;
}

export function isCpuProfile(x: unknown): x is CpuProfile {
  return typeof x === 'object' && x !== null && 'nodes' in x && Array.isArray(x.nodes) && 'samples' in x && Array.isArray(x.samples) && 'timeDeltas' in x && Array.isArray(x.timeDeltas);
}

export function summariseProfile(file: string, root: string, top = 12): string {
  const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
  if (!isCpuProfile(parsed)) return `(${file}: not a CPU profile)`;
  const byId = new Map<number, ProfileNode>();
  for (const n of parsed.nodes) byId.set(n.id, n);
  const self = new Map<string, number>();
  let total = 0;
  for (let i = 0; i < parsed.samples.length; i++) {
    const id = parsed.samples[i];
    const dt = parsed.timeDeltas[i] ?? 0;
    if (id === undefined) continue;
    const n = byId.get(id);
    if (n === undefined) continue;
    const cf = n.callFrame;
    let where = cf.url.replace(/^file:\/\//, '');
    if (where.startsWith(root)) where = where.slice(root.length + 1);
    where = where.replace(/^node_modules\//, 'nm/');
    const key = `${cf.functionName || '(anonymous)'} ${where !== '' ? `${where}:${cf.lineNumber + 1}` : ''}`.trim();
    self.set(key, (self.get(key) ?? 0) + dt);
    total += dt;
  }
  const wall = (parsed.endTime - parsed.startTime) / 1000;
  const rows = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, top);
  const lines = [`profile ${relative(root, file)}: ${wall.toFixed(0)} ms wall, ${(total / 1000).toFixed(0)} ms sampled`];
  lines.push('| self ms | % | function |', '|---:|---:|---|');
  for (const [k, us] of rows) lines.push(`| ${(us / 1000).toFixed(0)} | ${((100 * us) / total).toFixed(1)} | \`${k}\` |`);
  return lines.join('\n');
}
