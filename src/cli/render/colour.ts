/**
 * Colour on a terminal only, as git does: NO_COLOR (any value) turns it off, FORCE_COLOR (not "0")
 * turns it on even into a pipe, otherwise colour when the output is a terminal.
 */
import type { Io, Out } from '../io.js';

export interface Paint {
  readonly red: (s: string) => string;
  readonly green: (s: string) => string;
  readonly yellow: (s: string) => string;
  readonly cyan: (s: string) => string;
  readonly bold: (s: string) => string;
  readonly dim: (s: string) => string;
}

export function useColour(env: Io['env'], out: Out): boolean {
  const no = env['NO_COLOR'];
  if (no !== undefined && no !== '') return false;
  const force = env['FORCE_COLOR'];
  if (force !== undefined) return force !== '0' && force !== 'false';
  return out.isTTY === true;
}

const sgr = (on: boolean, code: string) => (s: string): string => (on && s !== '' ? `\x1b[${code}m${s}\x1b[0m` : s);

export function paint(on: boolean): Paint {
  return { red: sgr(on, '31'), green: sgr(on, '32'), yellow: sgr(on, '33'), cyan: sgr(on, '36'), bold: sgr(on, '1'), dim: sgr(on, '2') };
}
