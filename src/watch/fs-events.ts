/**
 * File events from the native watcher (@parcel/watcher, the one VS Code uses: Node's recursive
 * fs.watch on Linux has open bugs of missed and spurious events). Only repository-relative paths
 * come out; `.lsync/` and nested repositories' own `.lsync/` folders are ignored by the watcher
 * itself, so lsync's own writes cost nothing.
 *
 * A watcher that cannot start (inotify limits, an unsupported file system) is not fatal: the caller
 * gets the reason and falls back to periodic rescans.
 */
import { relative, sep } from 'node:path';

export interface FsWatch {
  close(): Promise<void>;
}

export type StartResult = { readonly ok: true; readonly watch: FsWatch } | { readonly ok: false; readonly reason: string };

/** `onPaths` gets repository-relative paths; `onError` a watcher failure after start (events may be lost). */
export async function watchTree(root: string, onPaths: (paths: string[]) => void, onError: (message: string) => void): Promise<StartResult> {
  let watcher: typeof import('@parcel/watcher');
  try {
    watcher = await import('@parcel/watcher');
  } catch (e) {
    return { ok: false, reason: `the file watcher could not be loaded (${e instanceof Error ? e.message : String(e)})` };
  }
  try {
    const sub = await watcher.subscribe(
      root,
      (err, events) => {
        if (err !== null) {
          onError(err.message);
          return;
        }
        const paths: string[] = [];
        for (const e of events) {
          const rel = relative(root, e.path);
          if (rel === '' || rel.startsWith('..')) continue;
          const path = sep === '/' ? rel : rel.split(sep).join('/');
          if (isOwn(path)) continue;
          paths.push(path);
        }
        if (paths.length > 0) onPaths(paths);
      },
      { ignore: ['.lsync', '**/.lsync/**'] },
    );
    return { ok: true, watch: { close: () => sub.unsubscribe() } };
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    const hint = /inotify|ENOSPC|limit/i.test(msg) ? ' (raise fs.inotify.max_user_watches)' : '';
    return { ok: false, reason: `cannot watch ${root}: ${msg}${hint}` };
  }
}

/** lsync's own folder, at the root or in a nested repository. */
function isOwn(path: string): boolean {
  return path === '.lsync' || path.startsWith('.lsync/') || path.includes('/.lsync/') || path.endsWith('/.lsync');
}
