/**
 * The journals' SQLite (node:sqlite): a database that survives `kill -9` and power loss, and all-or-nothing
 * transactions. Shared by the keeper's journal and the auditor's.
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { DatabaseSync } from "node:sqlite";

/**
 * Opens (creating its directory) the database at `path` (`:memory:` for tests) in WAL mode with `synchronous = FULL`
 * (a committed write is on disk) and foreign keys enforced, then applies `schema` (idempotent DDL).
 */
export function openDurableDatabase(path: string, schema: string): DatabaseSync {
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const db = new DatabaseSync(path);
  db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;");
  db.exec(schema);
  return db;
}

/** Runs `fn` in one immediate transaction on `db`: all of its writes land, or none. */
export function inTransaction<T>(db: DatabaseSync, fn: () => T): T {
  db.exec("BEGIN IMMEDIATE");
  try {
    const result = fn();
    db.exec("COMMIT");
    return result;
  } catch (err) {
    db.exec("ROLLBACK");
    throw err;
  }
}
