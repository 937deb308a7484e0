import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import type { Backend } from '../backend.js';
import { ImmediateSqliteDialect } from './dialect.js';
import { SqliteMessageAppender } from './message-appender.js';
import { withStatementCache } from './statement-cache.js';

/** Every connection to the embedded file, the event loop's and the message worker's. */
const CONNECTION_PRAGMAS = [
  'synchronous = NORMAL',
  'foreign_keys = ON',
  // Hot indexes stay in memory.
  'cache_size = -65536',
  'temp_store = MEMORY',
];

/**
 * The embedded file `tessera.db` in `dataDir`: one connection on the event loop for Kysely, and
 * one in the message worker, which stores message batches and checkpoints the WAL.
 */
export function openSqlite(dataDir: string): Backend {
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, 'tessera.db');
  const database = new SQLite(file);
  database.pragma('journal_mode = WAL');
  for (const pragma of CONNECTION_PRAGMAS) database.pragma(pragma);
  database.pragma('busy_timeout = 5000');
  // Checkpoints (which copy pages back and fsync) are the message worker's job, off the event loop.
  database.pragma('wal_autocheckpoint = 0');
  // The worker waits longer for the lock: it blocks only itself, never the event loop.
  const appender = new SqliteMessageAppender(file, [...CONNECTION_PRAGMAS, 'busy_timeout = 30000', 'wal_autocheckpoint = 4000']);
  return {
    name: 'sqlite',
    dialect: new ImmediateSqliteDialect({ database: withStatementCache(database) }),
    messageTransactions: () => appender,
    close: () => appender.close(),
  };
}
