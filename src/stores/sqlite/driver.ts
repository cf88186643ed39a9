/**
 * The part of better-sqlite3 12's API the SQLite store uses, typed here:
 * better-sqlite3 is an optional peer, and the package's declarations must
 * not need `@types/better-sqlite3` (the repository's tests check a real
 * better-sqlite3 `Database` is assignable to `SqliteDatabase`).
 */

/** A prepared statement; `Params` are its `?` values, `Row` one result row. */
export interface SqliteStatement<Params extends unknown[] = unknown[], Row = unknown> {
  run(...params: Params): { changes: number };
  get(...params: Params): Row | undefined;
  all(...params: Params): Row[];
}

/** A function wrapped by `db.transaction`: `immediate` runs it after taking the write lock. */
export interface SqliteTransaction<Run extends (...args: never[]) => unknown> {
  (...args: Parameters<Run>): ReturnType<Run>;
  immediate(...args: Parameters<Run>): ReturnType<Run>;
}

/** An open better-sqlite3 `Database` (`new Database(filename)` from `better-sqlite3`). */
export interface SqliteDatabase {
  readonly open: boolean;
  readonly inTransaction: boolean;
  prepare(source: string): SqliteStatement;
  transaction(run: (...args: never[]) => unknown): { immediate(...args: never[]): unknown };
  exec(source: string): unknown;
  pragma(source: string): unknown;
  close(): unknown;
}

/**
 * `db.prepare(source)` typed with its parameters and rows. Nothing checks
 * them at run time (better-sqlite3's own generics do the same): `Row` must
 * match the statement's columns.
 */
export function prepare<Params extends unknown[] = unknown[], Row = never>(
  db: SqliteDatabase,
  source: string,
): SqliteStatement<Params, Row> {
  return db.prepare(source) as SqliteStatement<Params, Row>;
}

/** `db.transaction(run)` with `run`'s own signature kept. */
export function transaction<Run extends (...args: never[]) => unknown>(
  db: SqliteDatabase,
  run: Run,
): SqliteTransaction<Run> {
  return db.transaction(run) as SqliteTransaction<Run>;
}
