import type { Kysely } from 'kysely';

// Frozen in time: never import application code here.
// Only user messages carry a client id: the dedupe index need not hold every agent reply.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('messages_client_id').execute();
  await db.schema
    .createIndex('messages_client_id')
    .on('messages')
    .columns(['session_id', 'client_id'])
    .unique()
    .where('client_id', 'is not', null)
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('messages_client_id').execute();
  await db.schema.createIndex('messages_client_id').on('messages').columns(['session_id', 'client_id']).unique().execute();
}
