import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { CompiledQuery, type DatabaseConnection, type Dialect, SqliteDialect, type SqliteDialectConfig, SqliteDriver } from 'kysely';
import { SqliteMessageAppender } from './sqlite-message-appender.js';

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

/** Every connection to the embedded file, the event loop's and the message worker's. */
const CONNECTION_PRAGMAS = [
  'synchronous = NORMAL',
  'foreign_keys = ON',
  // Hot indexes stay in memory.
  'cache_size = -65536',
  'temp_store = MEMORY',
];

export interface SqliteDatabase {
  dialect: Dialect;
  /** Stores message batches off the event loop (and checkpoints the WAL); see sqlite-message-appender.ts. */
  messages: SqliteMessageAppender;
}

export function openSqlite(dataDir: string): SqliteDatabase {
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, 'tessera.db');
  const database = new SQLite(file);
  database.pragma('journal_mode = WAL');
  for (const pragma of CONNECTION_PRAGMAS) database.pragma(pragma);
  database.pragma('busy_timeout = 5000');
  // Checkpoints (which copy pages back and fsync) are the message worker's job, off the event loop.
  database.pragma('wal_autocheckpoint = 0');
  return {
    dialect: new ImmediateSqliteDialect({ database: withStatementCache(database) }),
    // The worker waits longer for the lock: it blocks only itself, never the event loop.
    messages: new SqliteMessageAppender(file, [...CONNECTION_PRAGMAS, 'busy_timeout = 30000', 'wal_autocheckpoint = 4000']),
  };
}

/**
 * Transactions take the write lock when they begin. With a second connection (the message
 * worker) committing in between, a deferred transaction that read first could not upgrade to
 * a write (SQLITE_BUSY_SNAPSHOT, which no busy timeout retries).
 */
class ImmediateSqliteDialect extends SqliteDialect {
  constructor(private readonly settings: SqliteDialectConfig) {
    super(settings);
  }

  override createDriver(): SqliteDriver {
    return new ImmediateSqliteDriver(this.settings);
  }
}

class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
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
