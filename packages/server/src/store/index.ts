import { Kysely, sql } from 'kysely';
import type { Database } from './schema.js';
import { createSqliteDialect, type StoreLocation } from './dialect.js';
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
  ping(): Promise<void>;
  close(): Promise<void>;
}

export async function openStore(location: StoreLocation): Promise<Store> {
  const dialect = location.databaseUrl ? await postgresDialect(location.databaseUrl, location) : createSqliteDialect(location.dataDir);
  const db = new Kysely<Database>({ dialect });
  await migrateToLatest(db);
  return {
    ...repositories(db),
    dialect: location.databaseUrl ? 'postgres' : 'sqlite',
    transaction: (work) => db.transaction().execute((trx) => work(repositories(trx))),
    ping: async () => {
      await sql`select 1`.execute(db);
    },
    close: () => db.destroy(),
  };
}

async function postgresDialect(url: string, location: StoreLocation) {
  const { createPostgresDialect } = await import('./postgres.js');
  return createPostgresDialect(url, { poolSize: location.databasePoolSize, onPoolError: location.onDatabaseError });
}
