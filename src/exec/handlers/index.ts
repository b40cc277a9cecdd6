/**
 * The handler table: one handler per action type. Adding an action type (a `restore`, a mirror
 * push) is one new handler file and one line here; a type without a handler does not compile.
 */
import type { Action } from '../../core/types.js';
import type { RunContext } from '../context.js';
import type { Moved } from '../outcome.js';
import { deleteLocal, deleteRemote } from './delete.js';
import { download } from './download.js';
import { mkdirLocal, mkdirRemote, recordDir, rmdirLocal, rmdirRemote } from './folders.js';
import type { Handler, HandlerTable } from './handler.js';
import { keepBoth } from './keep-both.js';
import { moveLocal } from './move-local.js';
import { moveRemote } from './move-remote.js';
import { forget, record } from './record.js';
import { upload } from './upload.js';

export const HANDLERS: HandlerTable = {
  upload,
  download,
  'delete-local': deleteLocal,
  'delete-remote': deleteRemote,
  record,
  forget,
  'move-remote': moveRemote,
  'move-local': moveLocal,
  'keep-both': keepBoth,
  'mkdir-remote': mkdirRemote,
  'mkdir-local': mkdirLocal,
  'rmdir-remote': rmdirRemote,
  'rmdir-local': rmdirLocal,
  'record-dir': recordDir,
  'forget-dir': forget,
};

/** Runs `a` by its handler. */
export function handle(a: Action, run: RunContext): Promise<Moved> {
  // The table pairs each type with its handler; TypeScript cannot follow that pairing through an
  // index by a union, so the one cast is here.
  const h = HANDLERS[a.type] as Handler<Action>;
  return h(a, run);
}
