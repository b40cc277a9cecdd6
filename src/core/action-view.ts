/**
 * How an action is shown to people and scripts: the verb (`upload`, `delete-local`...), and
 * `kind: 'dir'` for the folder actions. The folder actions are types of their own for the
 * executor, but the user sees one vocabulary: a marker put is an upload of a folder (`--json`:
 * `{ type: 'upload', kind: 'dir' }`, text: `upload  empty/`), as SPEC.md documents.
 *
 * Pure: no `node:*` imports.
 */
import { assertNever, type Action } from './types.js';

/** The verbs of the user-visible vocabulary (events, `--json` plans and summaries). */
export type ShownType = 'upload' | 'download' | 'delete-remote' | 'delete-local' | 'record' | 'forget' | 'move-remote' | 'move-local' | 'keep-both';

export function shownType(a: Action): ShownType {
  switch (a.type) {
    case 'upload':
    case 'download':
    case 'delete-remote':
    case 'delete-local':
    case 'record':
    case 'forget':
    case 'move-remote':
    case 'move-local':
    case 'keep-both':
      return a.type;
    case 'mkdir-remote':
      return 'upload';
    case 'mkdir-local':
      return 'download';
    case 'rmdir-remote':
      return 'delete-remote';
    case 'rmdir-local':
      return 'delete-local';
    case 'record-dir':
      return 'record';
    case 'forget-dir':
      return 'forget';
    default:
      return assertNever(a);
  }
}

/** Whether an action is on a dir entry (an empty folder or a marker) rather than a file or link. */
export function actsOnDir(a: Action): boolean {
  switch (a.type) {
    case 'mkdir-remote':
    case 'mkdir-local':
    case 'rmdir-remote':
    case 'rmdir-local':
    case 'record-dir':
    case 'forget-dir':
      return true;
    default:
      return false;
  }
}

/** The bytes an action moves over the wire. */
export function actionBytes(a: Action): number {
  switch (a.type) {
    case 'upload':
      return a.local.size;
    case 'download':
      return a.remote.size;
    case 'keep-both':
      return a.local.size + a.remote.size;
    default:
      return 0;
  }
}

/** Database-only actions: nothing moves, nothing is shown without --verbose. */
export function isBookkeeping(t: ShownType): boolean {
  return t === 'record' || t === 'forget';
}
