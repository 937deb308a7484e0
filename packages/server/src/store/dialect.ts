import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { type Dialect, SqliteDialect } from 'kysely';

export interface StoreLocation {
  /** Directory of the embedded SQLite file. */
  dataDir: string;
  /** A `postgres://` URL; when set, PostgreSQL is used instead of SQLite. */
  databaseUrl?: string;
  /** PostgreSQL connections this node keeps at most. */
  databasePoolSize?: number;
  /** Told about PostgreSQL connections that broke while idle (e.g. a server restart). */
  onDatabaseError?: (error: Error) => void;
}

export function createSqliteDialect(dataDir: string): Dialect {
  mkdirSync(dataDir, { recursive: true });
  const database = new SQLite(join(dataDir, 'tessera.db'));
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  database.pragma('busy_timeout = 5000');
  database.pragma('foreign_keys = ON');
  // Hot indexes stay in memory, and checkpoints (which fsync) come less often than every commit burst.
  database.pragma('cache_size = -65536');
  database.pragma('wal_autocheckpoint = 4000');
  database.pragma('temp_store = MEMORY');
  return new SqliteDialect({ database: withStatementCache(database) });
}

const MAX_CACHED_STATEMENTS = 500;

/**
 * Kysely prepares every query anew; better-sqlite3 statements can be reused, and
 * compiling the same SQL again costs as much as running a small insert.
 */
function withStatementCache(database: SQLite.Database) {
  const statements = new Map<string, SQLite.Statement>();
  return {
    close: () => database.close(),
    prepare(sql: string): SQLite.Statement {
      let statement = statements.get(sql);
      if (!statement) {
        statement = database.prepare(sql);
        if (statements.size >= MAX_CACHED_STATEMENTS) statements.delete(statements.keys().next().value!);
        statements.set(sql, statement);
      }
      return statement;
    },
  };
}
