import { type Kysely, sql } from 'kysely';

// Frozen in time: never import application code here.
// Passwordless sign-in: emailed one-time codes, magic links (sign-in flows with an email and a
// match code), passkeys and their single-use challenges, password reset tokens, and whether a
// user's email was verified.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('email_codes')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('tenant_id', 'text', (col) => col.notNull())
    .addColumn('email', 'text', (col) => col.notNull())
    .addColumn('purpose', 'text', (col) => col.notNull())
    .addColumn('code_hash', 'text', (col) => col.notNull())
    .addColumn('tries', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('details', 'text')
    .addColumn('created_at', 'bigint', (col) => col.notNull())
    .addColumn('expires_at', 'bigint', (col) => col.notNull())
    .addColumn('used_at', 'bigint')
    .execute();
  await db.schema.createIndex('email_codes_address').on('email_codes').columns(['tenant_id', 'email', 'purpose']).execute();
  await db.schema.createIndex('email_codes_expiry').on('email_codes').column('expires_at').execute();

  await db.schema.alterTable('sign_in_flows').addColumn('email', 'text').execute();
  await db.schema.alterTable('sign_in_flows').addColumn('match_code', 'text').execute();
  await db.schema.alterTable('sign_in_flows').addColumn('browser_hash', 'text').execute();
  await db.schema
    .alterTable('sign_in_flows')
    .addColumn('tries', 'integer', (col) => col.notNull().defaultTo(0))
    .execute();

  await db.schema
    .createTable('passkeys')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('tenant_id', 'text', (col) => col.notNull())
    .addColumn('user_id', 'text', (col) => col.notNull())
    .addColumn('credential_id', 'text', (col) => col.notNull())
    .addColumn('public_key', 'text', (col) => col.notNull())
    .addColumn('counter', 'bigint', (col) => col.notNull())
    .addColumn('transports', 'text')
    .addColumn('name', 'text', (col) => col.notNull())
    .addColumn('created_at', 'bigint', (col) => col.notNull())
    .addColumn('last_used_at', 'bigint')
    .execute();
  await db.schema.createIndex('passkeys_credential').on('passkeys').columns(['tenant_id', 'credential_id']).unique().execute();
  await db.schema.createIndex('passkeys_user').on('passkeys').column('user_id').execute();

  await db.schema
    .createTable('webauthn_challenges')
    .addColumn('session_id', 'text', (col) => col.notNull())
    .addColumn('purpose', 'text', (col) => col.notNull())
    .addColumn('challenge', 'text', (col) => col.notNull())
    .addColumn('expires_at', 'bigint', (col) => col.notNull())
    .addPrimaryKeyConstraint('webauthn_challenges_pk', ['session_id', 'purpose'])
    .execute();

  await db.schema
    .createTable('password_resets')
    .addColumn('token_hash', 'text', (col) => col.primaryKey())
    .addColumn('tenant_id', 'text', (col) => col.notNull())
    .addColumn('user_id', 'text', (col) => col.notNull())
    .addColumn('created_at', 'bigint', (col) => col.notNull())
    .addColumn('expires_at', 'bigint', (col) => col.notNull())
    .addColumn('used_at', 'bigint')
    .execute();
  await db.schema.createIndex('password_resets_user').on('password_resets').column('user_id').execute();

  await db.schema.alterTable('users').addColumn('email_verified_at', 'bigint').execute();
  // Password accounts made before addresses could be proven keep signing in: their address counts as proven.
  await db.updateTable('users').set({ email_verified_at: sql`created_at` }).where('password_hash', 'is not', null).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('users').dropColumn('email_verified_at').execute();
  await db.schema.dropTable('password_resets').execute();
  await db.schema.dropTable('webauthn_challenges').execute();
  await db.schema.dropTable('passkeys').execute();
  for (const column of ['tries', 'browser_hash', 'match_code', 'email'])
    await db.schema.alterTable('sign_in_flows').dropColumn(column).execute();
  await db.schema.dropTable('email_codes').execute();
}
