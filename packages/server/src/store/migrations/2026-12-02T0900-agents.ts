import type { Kysely } from 'kysely';

// Frozen in time: never import application code here.
// Agents: how and when a session's person signed in (auth_time, amr), replies cut short by a
// stop, user messages whose reply failed (and an index to find the unanswered ones), turns
// waiting for a sign-in the agent asked for, and tenants' agent signing secrets.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('sessions').addColumn('auth_time', 'bigint').execute();
  await db.schema.alterTable('sessions').addColumn('amr', 'text').execute();
  await db.schema
    .alterTable('messages')
    .addColumn('stopped', 'integer', (col) => col.notNull().defaultTo(0))
    .execute();
  await db.schema.alterTable('messages').addColumn('reply_error', 'text').execute();
  await db.schema.createIndex('messages_reply_to').on('messages').column('reply_to').where('reply_to', 'is not', null).execute();
  await db.schema
    .createTable('pending_turns')
    .addColumn('session_id', 'text', (col) => col.primaryKey())
    .addColumn('tenant_id', 'text', (col) => col.notNull())
    .addColumn('conversation_id', 'text', (col) => col.notNull())
    .addColumn('message_id', 'text', (col) => col.notNull())
    .addColumn('max_age_seconds', 'integer')
    .addColumn('created_at', 'bigint', (col) => col.notNull())
    .execute();
  await db.schema
    .createTable('agent_secrets')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('tenant_id', 'text', (col) => col.notNull())
    .addColumn('secret_sealed', 'text', (col) => col.notNull())
    .addColumn('created_at', 'bigint', (col) => col.notNull())
    .addColumn('retires_at', 'bigint')
    .execute();
  await db.schema.createIndex('agent_secrets_tenant').on('agent_secrets').column('tenant_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('agent_secrets').execute();
  await db.schema.dropTable('pending_turns').execute();
  await db.schema.dropIndex('messages_reply_to').execute();
  await db.schema.alterTable('messages').dropColumn('reply_error').execute();
  await db.schema.alterTable('messages').dropColumn('stopped').execute();
  await db.schema.alterTable('sessions').dropColumn('amr').execute();
  await db.schema.alterTable('sessions').dropColumn('auth_time').execute();
}
