import type { Kysely, Selectable } from 'kysely';
import type { Database, UsersTable } from './schema.js';
import type { User } from './records.js';

export const toUser = (row: Selectable<UsersTable>): User => ({
  id: row.id,
  tenantId: row.tenant_id,
  externalId: row.external_id,
  name: row.name,
  avatar: row.avatar,
  custom: JSON.parse(row.custom) as Record<string, unknown>,
  email: row.email,
  passwordHash: row.password_hash,
  createdAt: Number(row.created_at),
  updatedAt: Number(row.updated_at),
  emailVerifiedAt: row.email_verified_at === null || row.email_verified_at === undefined ? null : Number(row.email_verified_at),
});

export function userRepo(db: Kysely<Database>) {
  return {
    async get(id: string): Promise<User | null> {
      const row = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? toUser(row) : null;
    },
    async findByExternalId(tenantId: string, externalId: string): Promise<User | null> {
      const row = await db
        .selectFrom('users')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('external_id', '=', externalId)
        .executeTakeFirst();
      return row ? toUser(row) : null;
    },
    async findByEmail(tenantId: string, email: string): Promise<User | null> {
      const row = await db.selectFrom('users').selectAll().where('tenant_id', '=', tenantId).where('email', '=', email).executeTakeFirst();
      return row ? toUser(row) : null;
    },
    async insert(user: User): Promise<void> {
      await db
        .insertInto('users')
        .values({
          id: user.id,
          tenant_id: user.tenantId,
          external_id: user.externalId,
          name: user.name,
          avatar: user.avatar,
          custom: JSON.stringify(user.custom),
          email: user.email,
          password_hash: user.passwordHash,
          created_at: user.createdAt,
          updated_at: user.updatedAt,
          email_verified_at: user.emailVerifiedAt ?? null,
        })
        .execute();
    },
    async updateProfile(id: string, profile: Pick<User, 'name' | 'avatar' | 'custom' | 'updatedAt'>): Promise<void> {
      await db
        .updateTable('users')
        .set({ name: profile.name, avatar: profile.avatar, custom: JSON.stringify(profile.custom), updated_at: profile.updatedAt })
        .where('id', '=', id)
        .execute();
    },
    /** Marks the user changed; in a transaction it also holds the row until the commit. */
    async touch(id: string, at: number): Promise<boolean> {
      const result = await db.updateTable('users').set({ updated_at: at }).where('id', '=', id).executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    /** Records that the user read mail sent to `email` (and makes it theirs, if it was not). */
    async verifyEmail(id: string, email: string, at: number): Promise<void> {
      await db.updateTable('users').set({ email, email_verified_at: at, updated_at: at }).where('id', '=', id).execute();
    },
    async setPassword(id: string, passwordHash: string, at: number): Promise<void> {
      await db.updateTable('users').set({ password_hash: passwordHash, updated_at: at }).where('id', '=', id).execute();
    },
    async clearPassword(id: string, at: number): Promise<void> {
      await db.updateTable('users').set({ password_hash: null, updated_at: at }).where('id', '=', id).execute();
    },
    async delete(id: string): Promise<number> {
      const result = await db.deleteFrom('users').where('id', '=', id).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
