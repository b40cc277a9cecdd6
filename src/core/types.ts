/**
 * The three sides of a sync, as plain data.
 *
 * Every path here is repository-relative, uses `/` separators, has no leading or trailing slash
 * and no `.`/`..`/empty segments (see `paths.ts`). The three sides are always called `local`,
 * `remote` and `base` (the database record of the last synchronised state); never src/dst,
 * because the direction of a transfer varies.
 *
 * This module is pure: no `node:*` imports.
 */

/**
 * What kind of thing lives at a path.
 *
 * - `file`: a regular file; on the remote, the object `path`.
 * - `link` (with `--links`): a symbolic link, whose "content" is its target string (size = its byte
 *   length, hash = the MD5 of it). A file replaced by a link with the same bytes as target is still a
 *   change: kinds are compared as well as hashes.
 * - `dir`: a directory that is an entry of its own: locally, a folder with nothing syncable in it
 *   (folders holding files are implied by their files); on the remote, a zero-byte marker object
 *   `path + '/'` (the convention of the S3 console and other tools). The path itself never ends in
 *   `/`. A dir entry has no content: size 0, no hash on the local and remote sides, and the rules
 *   of `dirs.ts` (not the file rules) decide what happens to it.
 */
export type EntryKind = 'file' | 'link' | 'dir';

/** MD5 of zero bytes: the content hash a dir entry's base record carries (the database needs one). */
export const EMPTY_HASH: ContentHash = 'd41d8cd98f00b204e9800998ecf8427e';

/**
 * A content identity: lowercase hex MD5 of the whole content.
 * MD5 because a single-part S3 ETag *is* the MD5 of the content, so objects uploaded by any tool in
 * one part can be compared without a HEAD request; lsync stores it in `x-amz-meta-lsync-md5` for
 * multipart objects, whose ETag is not an MD5.
 */
export type ContentHash = string;

/** One file in the local tree, as the scanner saw it. */
export interface LocalEntry {
  readonly path: string;
  readonly kind: EntryKind;
  readonly size: number;
  /** Modification time in milliseconds since the epoch (fractional part kept when the fs has it). */
  readonly mtimeMs: number;
  /** Permission bits (`stat.mode & 0o7777`). */
  readonly mode: number;
  /**
   * Content hash. Set when the scanner hashed the file, or copied from the base when size and
   * mtime match the base record (the usual "stat says unchanged" shortcut). Undefined only when
   * it was not needed.
   */
  readonly hash?: ContentHash;
}

/** One object under the remote prefix, as listing (plus HEAD where needed) saw it. */
export interface RemoteEntry {
  readonly path: string;
  readonly kind: EntryKind;
  readonly size: number;
  /** The service's entity tag, without quotes. Changes whenever the object is rewritten. */
  readonly etag: string;
  /** Server-side last-modified time, ms since epoch. */
  readonly lastModifiedMs: number;
  readonly versionId?: string;
  /**
   * Content hash when known: from `x-amz-meta-lsync-md5`, or from the ETag when it is a plain
   * single-part MD5, or from the base when the ETag is unchanged.
   */
  readonly hash?: ContentHash;
  /** File mtime recorded by the uploader in metadata (`x-amz-meta-lsync-mtime`), ms. */
  readonly mtimeMs?: number;
  /** Permission bits recorded by the uploader (`x-amz-meta-lsync-mode`). */
  readonly mode?: number;
}

/**
 * The database record of one path as of its last successful transfer: both sides were equal
 * then, and this is what each looked like.
 */
export interface BaseEntry {
  readonly path: string;
  readonly kind: EntryKind;
  readonly size: number;
  readonly hash: ContentHash;
  /** Local file stat at that time (what the "unchanged" shortcut compares against). */
  readonly mtimeMs: number;
  readonly mode: number;
  /** Remote object identity at that time. */
  readonly etag: string;
  readonly versionId?: string;
  /**
   * True when the local mtime was so close to the time of recording that a same-size edit in the
   * same mtime tick could go unseen ("racy git"); the scanner then hashes the file next time.
   */
  readonly racy?: boolean;
  /**
   * Dir entries only: lsync itself put the marker there (an upload of a local empty folder), so it
   * may delete it again once files make it redundant. Markers first seen on the remote (another
   * tool's, or a collaborator's) are someone else's and are kept next to files.
   */
  readonly ownMarker?: boolean;
}

/** How a side differs from the base. */
export type SideChange = 'unchanged' | 'added' | 'modified' | 'deleted' | 'absent';

/** Which verb is planning: it decides which directions may act. */
export type PlanMode = 'sync' | 'push' | 'pull';

export interface PlanOptions {
  readonly mode: PlanMode;
  /** push/pull: the acting side wins even where the other side changed (for the paths in scope). */
  readonly force: boolean;
  /** push/pull: make the other side exactly this side (delete extras there). */
  readonly mirror: boolean;
  /** Largest number of deletions allowed without refusing; undefined = use the share rule. */
  readonly maxDelete?: number;
  /** Share of files (0..1) that deletions may reach before refusing (default 0.5). */
  readonly maxDeleteShare: number;
  /** Deletions at or below this count are always ordinary work (default 10). */
  readonly maxDeleteFloor: number;
  /**
   * Settle conflicts by this policy (the config's `conflict`, or `resolve --keep`): the plan then
   * holds the actions that carry the outcome, so `status` shows what `sync` does.
   */
  readonly settle?: SettlePolicy;
}

/** Which side a settled conflict keeps. */
export type KeepPolicy = 'local' | 'remote' | 'both';

export interface SettlePolicy {
  readonly keep: KeepPolicy;
  /** keep both: the name the local copy moves to (conflict names carry a host and a time). */
  readonly nameFor: (path: string) => string;
}

/** A reason a path is a conflict: both sides changed, differently. */
export type ConflictReason =
  | 'both-modified' // both sides edited since the base, to different contents
  | 'both-added' // no base; both sides have the path with different contents
  | 'unknown-content'; // both changed and the remote content could not be identified

export interface Conflict {
  readonly path: string;
  readonly reason: ConflictReason;
  readonly local: LocalEntry;
  readonly remote: RemoteEntry;
  readonly base?: BaseEntry;
}

/**
 * One thing the executor must do. A discriminated union: switches over `type` end in an
 * exhaustiveness check, and the executor's handler table (exec/handlers/index.ts) has one entry
 * per type. Each action carries the state its precondition is checked against just before its
 * effect (the executor re-checks; the planner only decides).
 */
export type Action = FileAction | FolderAction | KeepBothAction;

/** Actions on files and links (and on their base records). */
export type FileAction =
  /** Send the local file; `expectRemote` is the object it may replace (undefined = must not exist). */
  | { readonly type: 'upload'; readonly path: string; readonly local: LocalEntry; readonly expectRemote?: RemoteEntry; readonly base?: BaseEntry }
  /** Fetch the remote object; `expectLocal` is the file it may replace (undefined = must not exist). */
  | { readonly type: 'download'; readonly path: string; readonly remote: RemoteEntry; readonly expectLocal?: LocalEntry; readonly base?: BaseEntry }
  /** Delete the remote object, if it is still `remote`. */
  | { readonly type: 'delete-remote'; readonly path: string; readonly remote: RemoteEntry; readonly base?: BaseEntry }
  /** Delete the local file (into the trash), if it is still `local`. */
  | { readonly type: 'delete-local'; readonly path: string; readonly local: LocalEntry; readonly base?: BaseEntry }
  /** Both sides already hold the same content: write the base record, move no bytes. */
  | { readonly type: 'record'; readonly path: string; readonly local: LocalEntry; readonly remote: RemoteEntry }
  /** The path is gone on both sides: drop its base record. */
  | { readonly type: 'forget'; readonly path: string; readonly base: BaseEntry }
  /**
   * A local rename `from` → `path`, carried out on the remote as a server-side copy and a delete
   * (no bytes sent). `remote` is the object at `from` (the copy's source precondition), `local`
   * the file at `path`, `base` the record of `from`.
   */
  | { readonly type: 'move-remote'; readonly path: string; readonly from: string; readonly local: LocalEntry; readonly remote: RemoteEntry; readonly base: BaseEntry }
  /**
   * A remote rename `from` → `path`, carried out locally as a rename (no bytes received). `local`
   * is the file at `from` (still as scanned, or skipped), `remote` the object at `path`, `base`
   * the record of `from`.
   */
  | { readonly type: 'move-local'; readonly path: string; readonly from: string; readonly local: LocalEntry; readonly remote: RemoteEntry; readonly base: BaseEntry };

/**
 * Actions on dir entries (core/dirs.ts): an empty local folder, a `path/` marker on the remote.
 * Their entries have kind `dir`; what they do differs from the file actions of the same
 * direction (no content, rmdir rather than trash), hence types of their own.
 */
export type FolderAction =
  /** Put the marker of a local empty folder (if-none-match, or if-match `expectRemote`). */
  | { readonly type: 'mkdir-remote'; readonly path: string; readonly local: LocalEntry; readonly expectRemote?: RemoteEntry; readonly base?: BaseEntry }
  /** Make the local folder of a marker (or keep the one this run empties). */
  | { readonly type: 'mkdir-local'; readonly path: string; readonly remote: RemoteEntry; readonly expectLocal?: LocalEntry; readonly base?: BaseEntry }
  /** Delete the marker, if it is still `remote`. */
  | { readonly type: 'rmdir-remote'; readonly path: string; readonly remote: RemoteEntry; readonly base?: BaseEntry }
  /** Remove the local folder if it is (still) empty: rmdir, never anything more. */
  | { readonly type: 'rmdir-local'; readonly path: string; readonly local: LocalEntry; readonly base?: BaseEntry }
  /** The folder exists on both sides: write its base record. */
  | { readonly type: 'record-dir'; readonly path: string; readonly local: LocalEntry; readonly remote: RemoteEntry }
  /** A dir's base record whose folder is gone (or now implied by files): drop it. */
  | { readonly type: 'forget-dir'; readonly path: string; readonly base: BaseEntry };

/**
 * A conflict settled by keeping both (`conflict: keep-both`, `resolve --keep both`): the local
 * file is renamed to `conflictPath` and sent there, and the remote one takes its place.
 */
export interface KeepBothAction {
  readonly type: 'keep-both';
  readonly path: string;
  readonly conflictPath: string;
  readonly local: LocalEntry;
  readonly remote: RemoteEntry;
  readonly base?: BaseEntry;
}

export type ActionType = Action['type'];

/** Changes the mode did not act on (e.g. remote edits during a push), reported by status. */
export interface Pending {
  readonly path: string;
  /** Which side changed and would need the other verb. */
  readonly side: 'local' | 'remote';
  readonly change: SideChange;
}

/** A refusal stops the whole run before anything moves (the max-delete guard). */
export interface Refusal {
  readonly kind: 'max-delete';
  readonly message: string;
  readonly deletes: number;
  readonly total: number;
}

export interface PlanSummary {
  readonly uploads: number;
  readonly downloads: number;
  readonly deleteRemote: number;
  readonly deleteLocal: number;
  readonly records: number;
  readonly forgets: number;
  /** Renames carried out as renames (both directions). */
  readonly moves: number;
  /** Folders made (a marker put, a local folder made). */
  readonly foldersMade: number;
  /** Folders removed (a marker deleted, an empty local folder removed). */
  readonly foldersRemoved: number;
  /** Conflicts settled by keeping both versions (counted in `settled` too). */
  readonly keepBoth: number;
  /** Conflicts settled by the policy this plan was made with (their actions are in `actions`). */
  readonly settled: number;
  readonly conflicts: number;
  readonly pending: number;
  readonly uploadBytes: number;
  readonly downloadBytes: number;
}

/** One base record to refresh: `base` with the stat of `local`, a file only touched (core/restat.ts). */
export interface Restat {
  readonly path: string;
  readonly base: BaseEntry;
  readonly local: LocalEntry;
}

export interface Plan {
  /** Sorted by path (the one comparator), then by type. */
  readonly actions: readonly Action[];
  /** Conflicts left standing: no policy settles them. */
  readonly conflicts: readonly Conflict[];
  /** Conflicts the plan's policy settled; the actions that carry the outcome are in `actions`. */
  readonly settled: readonly Conflict[];
  readonly pending: readonly Pending[];
  readonly refusals: readonly Refusal[];
  readonly summary: PlanSummary;
  /** Base records whose file was only touched: they take its new stat (core/restat.ts). */
  readonly restat: readonly Restat[];
}

/** The three sides, keyed by path. */
export interface Snapshot {
  readonly local: ReadonlyMap<string, LocalEntry>;
  readonly base: ReadonlyMap<string, BaseEntry>;
  readonly remote: ReadonlyMap<string, RemoteEntry>;
}

export function assertNever(x: never): never {
  throw new Error(`unexpected value: ${JSON.stringify(x)}`);
}

/** What the rules say about one path, before it is sorted into the plan's lists. */
export type Decision =
  | { readonly kind: 'none' }
  | { readonly kind: 'action'; readonly action: Action }
  | { readonly kind: 'conflict'; readonly conflict: Conflict }
  | { readonly kind: 'pending'; readonly pending: Pending };
