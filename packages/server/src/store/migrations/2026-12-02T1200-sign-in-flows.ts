import { type Kysely, sql } from 'kysely';

// Frozen in time: never import application code here.
// Sign-in flows (a sign-in that finishes elsewhere: a provider's page, an email) and identities
// (the ways a user signs in). Existing users get the identity they have today: a hosted password,
// or the customer's own login (`external`).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('sign_in_flows')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('tenant_id', 'text', (col) => col.notNull())
    .addColumn('session_id', 'text', (col) => col.notNull())
    .addColumn('method', 'text', (col) => col.notNull())
    .addColumn('provider', 'text')
    .addColumn('secret_hash', 'text', (col) => col.notNull())
    .addColumn('state_hash', 'text')
    .addColumn('origin', 'text')
    .addColumn('return_to', 'text')
    .addColumn('status', 'text', (col) => col.notNull())
    .addColumn('user_id', 'text')
    .addColumn('amr', 'text')
    .addColumn('error_code', 'text')
    .addColumn('created_at', 'bigint', (col) => col.notNull())
    .addColumn('expires_at', 'bigint', (col) => col.notNull())
    .execute();
  await db.schema.createIndex('sign_in_flows_state').on('sign_in_flows').column('state_hash').unique().execute();
  await db.schema.createIndex('sign_in_flows_session').on('sign_in_flows').column('session_id').execute();
  await db.schema.createIndex('sign_in_flows_expiry').on('sign_in_flows').column('expires_at').execute();

  await db.schema
    .createTable('identities')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('tenant_id', 'text', (col) => col.notNull())
    .addColumn('user_id', 'text', (col) => col.notNull())
    .addColumn('kind', 'text', (col) => col.notNull())
    .addColumn('provider', 'text')
    .addColumn('subject', 'text')
    .addColumn('email', 'text')
    .addColumn('created_at', 'bigint', (col) => col.notNull())
    .execute();
  // NULLs are distinct on both dialects: only provider identities are unique here.
  await db.schema
    .createIndex('identities_provider_subject')
    .on('identities')
    .columns(['tenant_id', 'provider', 'subject'])
    .unique()
    .execute();
  await db.schema.createIndex('identities_user').on('identities').column('user_id').execute();
  await sql`
    insert into identities (id, tenant_id, user_id, kind, provider, subject, email, created_at)
    select 'idn_' || id, tenant_id, id, case when password_hash is null then 'external' else 'password' end,
           null, null, case when password_hash is null then null else email end, created_at
    from users
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('identities').execute();
  await db.schema.dropTable('sign_in_flows').execute();
}
