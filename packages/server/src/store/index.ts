import { Kysely, sql } from 'kysely';
import type { Database } from './schema.js';
import { appendMessages, oneTransactionAtATime } from './append-messages.js';
import { openSqlite, type StoreLocation } from './dialect.js';
import type { Message } from './records.js';
import type { AppendOptions } from './sqlite-message-appender.js';
import { migrateToLatest } from './migrate.js';
import { tenantRepo } from './tenants.js';
import { apiKeyRepo } from './api-keys.js';
import { userRepo } from './users.js';
import { sessionRepo } from './sessions.js';
import { refreshTokenRepo } from './refresh-tokens.js';
import { conversationRepo } from './conversations.js';
import { messageRepo } from './messages.js';
import { usageRepo } from './usage.js';
import { partnerRepo } from './partners.js';
import { usedTokenIdRepo } from './used-token-ids.js';
import { auditLogRepo } from './audit-log.js';

export type * from './records.js';
export type { StoreLocation } from './dialect.js';
export type { AuditPageQuery } from './audit-log.js';

function repositories(db: Kysely<Database>) {
  return {
    tenants: tenantRepo(db),
    apiKeys: apiKeyRepo(db),
    users: userRepo(db),
    sessions: sessionRepo(db),
    refreshTokens: refreshTokenRepo(db),
    conversations: conversationRepo(db),
    messages: messageRepo(db),
    usage: usageRepo(db),
    partners: partnerRepo(db),
    usedTokenIds: usedTokenIdRepo(db),
    auditLog: auditLogRepo(db),
  };
}

export type Repositories = ReturnType<typeof repositories>;

/** Everything the domain may ask of the database, and nothing about how. */
export interface Store extends Repositories {
  readonly dialect: 'sqlite' | 'postgres';
  /** Runs `work` in one transaction: all of it commits, or none of it. */
  transaction<T>(work: (tx: Repositories) => Promise<T>): Promise<T>;
  /**
   * Stores a batch of messages in one transaction (see append-messages.ts): returns, per message,
   * the id it is stored under, which is an earlier message's for a client id seen before.
   */
  appendMessages(messages: Message[], options: AppendOptions): Promise<string[]>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export async function openStore(location: StoreLocation): Promise<Store> {
  const sqlite = location.databaseUrl ? null : openSqlite(location.dataDir);
  const dialect = sqlite?.dialect ?? (await postgresDialect(location.databaseUrl!, location));
  const db = new Kysely<Database>({ dialect });
  const close = async () => {
    await sqlite?.messages.close();
    await db.destroy();
  };
  try {
    await migrateToLatest(db);
  } catch (error) {
    await close();
    throw error;
  }
  const transaction: Store['transaction'] = (work) => db.transaction().execute((trx) => work(repositories(trx)));
  return {
    ...repositories(db),
    dialect: sqlite ? 'sqlite' : 'postgres',
    transaction,
    appendMessages: sqlite
      ? (messages, options) => sqlite.messages.append(messages, options)
      : oneTransactionAtATime((messages, options) => transaction((tx) => appendMessages(tx, messages, options))),
    ping: async () => {
      await sql`select 1`.execute(db);
    },
    close,
  };
}

async function postgresDialect(url: string, location: StoreLocation) {
  const { createPostgresDialect } = await import('./postgres.js');
  return createPostgresDialect(url, { poolSize: location.databasePoolSize, onPoolError: location.onDatabaseError });
}
