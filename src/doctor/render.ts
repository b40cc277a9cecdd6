/** The doctor's report: a table for people, one JSON object for programs. Pure. */
import type { DoctorReport } from './run.js';
import { missing } from './run.js';

function shown(v: boolean | string): string {
  return v === true ? 'yes' : v === false ? 'no' : v;
}

export function formatTable(r: DoctorReport): string {
  const head = `lsync doctor: ${r.remote} (${r.provider}${r.endpoint !== undefined ? `, ${r.endpoint}` : ''}${r.region !== undefined ? `, region ${r.region}` : ''})\n`;
  const width = Math.max(...r.findings.map((f) => f.label.length));
  const rows = r.findings.map((f) => {
    const mark = f.level === 'missing' ? '!!' : f.level === 'note' ? ' ~' : '  ';
    const line = `${mark} ${f.label.padEnd(width)}  ${shown(f.value).padEnd(10)}${f.detail !== undefined ? `  ${f.detail}` : ''}`;
    return `${line.trimEnd()}\n`;
  });
  const gaps = missing(r);
  const verdict =
    gaps.length === 0
      ? 'Everything lsync needs is there.\n'
      : `Missing: ${gaps.map((g) => g.label).join(', ')}.\n` + gaps.map((g) => `  ${g.label}: ${g.fix ?? ''}\n`).join('');
  const recorded = r.recorded !== undefined ? `Recorded in ${r.recorded.file}: ${Object.entries(r.recorded.keys).map(([k, v]) => `${k}: ${String(v)}`).join(', ')}\n` : '';
  return head + rows.join('') + verdict + recorded;
}

/** `--json`: one object; `capabilities` holds one boolean or word per capability. */
export function formatJson(r: DoctorReport): string {
  return JSON.stringify({
    type: 'doctor',
    remote: r.remote,
    provider: r.provider,
    ...(r.endpoint !== undefined ? { endpoint: r.endpoint } : {}),
    ...(r.region !== undefined ? { region: r.region } : {}),
    capabilities: Object.fromEntries(r.findings.map((f) => [f.key, f.value])),
    details: Object.fromEntries(r.findings.flatMap((f) => (f.detail !== undefined ? [[f.key, f.detail]] : []))),
    missing: missing(r).map((f) => ({ capability: f.key, detail: f.detail, fix: f.fix })),
    recorded: r.recorded ?? null,
  });
}
