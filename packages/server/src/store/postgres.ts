import type { Dialect } from 'kysely';

/** PostgreSQL arrives with the scale-out work; until then a URL is a boot-time error. */
export function createPostgresDialect(_url: string): Dialect {
  throw new Error('PostgreSQL is not supported yet: unset TESSERA_DATABASE_URL');
}
