import { join } from 'node:path';
import SQLite from 'better-sqlite3';

/**
 * A second, read-only connection to a test server's SQLite file, so tests can check
 * what was actually stored (WAL lets it read while the server writes).
 */
export function inspectDatabase(dataDir: string) {
  const db = new SQLite(join(dataDir, 'tessera.db'), { readonly: true, fileMustExist: true });
  return {
    count(table: string, where = '1 = 1', ...params: unknown[]): number {
      return (db.prepare(`select count(*) as n from ${table} where ${where}`).get(...params) as { n: number }).n;
    },
    rows<T = Record<string, unknown>>(sql: string, ...params: unknown[]): T[] {
      return db.prepare(sql).all(...params) as T[];
    },
    close(): void {
      db.close();
    },
  };
}

export type DatabaseInspector = ReturnType<typeof inspectDatabase>;
