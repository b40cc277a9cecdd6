/**
 * What `lsync doctor` found: one finding per capability, each a boolean or a word (the `--json`
 * form), how much it matters, and for what lsync needs but lacks, the fix. Pure: no I/O.
 */

/** `ok`: fine. `note`: works, lsync takes another path (worth knowing). `missing`: lsync cannot work without it. */
export type Level = 'ok' | 'note' | 'missing';

export interface Finding {
  /** The `--json` key (snake_case, as config.yaml's keys). */
  readonly key: string;
  /** The table's label. */
  readonly label: string;
  readonly value: boolean | string;
  readonly level: Level;
  /** One line beside the value: what was seen. */
  readonly detail?: string;
  /** What to do (missing findings always have one). */
  readonly fix?: string;
}

/** The order of the table and of the `--json` object. */
export const CAPABILITIES = [
  ['reachable', 'reachable'],
  ['credentials', 'credentials'],
  ['list', 'list'],
  ['write', 'write'],
  ['read', 'read'],
  ['delete', 'delete'],
  ['multipart', 'multipart uploads'],
  ['conditional_writes', 'conditional writes'],
  ['conditional_deletes', 'conditional deletes'],
  ['conditional_copies', 'conditional copies'],
  ['versioning', 'versioning'],
  ['encryption', 'encryption'],
  ['feed', 'change feed'],
  ['clock', 'clock'],
  ['cleanup', 'scratch clean-up'],
] as const;

export type CapabilityKey = (typeof CAPABILITIES)[number][0];

export class Findings {
  private readonly byKey = new Map<CapabilityKey, Finding>();

  ok(key: CapabilityKey, value: boolean | string, detail?: string): void {
    this.put(key, value, 'ok', detail);
  }

  note(key: CapabilityKey, value: boolean | string, detail?: string, fix?: string): void {
    this.put(key, value, 'note', detail, fix);
  }

  missing(key: CapabilityKey, value: boolean | string, detail: string, fix: string): void {
    this.put(key, value, 'missing', detail, fix);
  }

  /** Checks that could not run because an earlier one failed. */
  unchecked(keys: readonly CapabilityKey[], why: string): void {
    for (const k of keys) if (!this.byKey.has(k)) this.put(k, 'unchecked', 'note', why);
  }

  get(key: CapabilityKey): Finding | undefined {
    return this.byKey.get(key);
  }

  /** In table order (capabilities that do not apply, e.g. multipart on file://, are left out). */
  list(): Finding[] {
    return CAPABILITIES.flatMap(([k]) => {
      const f = this.byKey.get(k);
      return f !== undefined ? [f] : [];
    });
  }

  private put(key: CapabilityKey, value: boolean | string, level: Level, detail?: string, fix?: string): void {
    const label = CAPABILITIES.find(([k]) => k === key)?.[1] ?? key;
    this.byKey.set(key, { key, label, value, level, ...(detail !== undefined ? { detail } : {}), ...(fix !== undefined ? { fix } : {}) });
  }
}

/** Clock skew beyond which lsync warns (mtimes compared across machines drift), and beyond which S3 refuses signatures. */
export const SKEW_WARN_S = 60;
export const SKEW_REFUSED_S = 15 * 60;

export function clockFinding(f: Findings, skewMs: number | undefined): void {
  if (skewMs === undefined) {
    f.note('clock', 'unknown', 'the service sent no Date header');
    return;
  }
  const s = Math.round(skewMs / 1000);
  const detail = `${s >= 0 ? '+' : ''}${s} s against this machine`;
  const fix = 'set the clock from the network (e.g. `timedatectl set-ntp true`)';
  if (Math.abs(s) >= SKEW_REFUSED_S) f.missing('clock', 'skewed', `${detail}: S3 refuses signatures beyond 15 minutes`, fix);
  else if (Math.abs(s) >= SKEW_WARN_S) f.note('clock', 'skewed', detail, fix);
  else f.ok('clock', 'ok', detail);
}
