import { Kysely, sql } from 'kysely';
import type { Backend } from './backend.js';
import type { StoreLocation } from './location.js';
import { MessageQueue } from './message-queue.js';
import { migrateToLatest } from './migrate.js';
import { repositories } from './repositories.js';
import type { Database } from './schema.js';
import { openSqlite } from './sqlite/open-sqlite.js';
import type { Store } from './store.js';
import { UsageMeter } from './usage-meter.js';
import { SharedCommits } from './shared-commits.js';

/** Opens (and migrates) the embedded SQLite file, or PostgreSQL when `databaseUrl` is set. */
export async function openStore(location: StoreLocation): Promise<Store> {
  const backend = location.databaseUrl ? await openPostgres(location.databaseUrl, location) : openSqlite(location.dataDir);
  const db = new Kysely<Database>({ dialect: backend.dialect });
  const usageMeter = new UsageMeter(db, location.onBookkeepingError ?? (() => undefined));
  const messages = new MessageQueue(backend.messageTransactions(db), { usage: usageMeter, onTouchError: location.onBookkeepingError });
  const close = async () => {
    await messages.close();
    await usageMeter.flush();
    await backend.close();
    await db.destroy();
  };
  try {
    await migrateToLatest(db);
  } catch (error) {
    await close();
    throw error;
  }
  const transaction: Store['transaction'] = (work) => db.transaction().execute((trx) => work(repositories(trx)));
  // PostgreSQL runs concurrent transactions side by side over its pool: nothing to share there.
  const shared = backend.name === 'sqlite' ? new SharedCommits(transaction) : null;
  return {
    ...repositories(db),
    dialect: backend.name,
    usageMeter,
    transaction,
    sharedTransaction: shared ? (work) => shared.run(work) : transaction,
    appendMessages: (batch, options) => messages.append(batch, options),
    ping: async () => {
      await sql`select 1`.execute(db);
    },
    close,
  };
}

/** Loaded only when asked for: a node on SQLite never loads pg. */
async function openPostgres(url: string, location: StoreLocation): Promise<Backend> {
  const { openPostgres } = await import('./postgres/open-postgres.js');
  return openPostgres(url, { poolSize: location.databasePoolSize, onPoolError: location.onDatabaseError });
}
