import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The PostgreSQL server tests may use (a throwaway cluster: `.ci/run` starts one), or undefined. */
export const TEST_DATABASE_URL = process.env.TESSERA_TEST_DATABASE_URL || undefined;
/** The Redis server tests may use, or undefined. */
export const TEST_REDIS_URL = process.env.TESSERA_TEST_REDIS_URL || undefined;

export interface TestDatabase {
  url: string;
  name: string;
  /** Runs one SQL statement on the database (for checks of what was stored). */
  query<T extends pg.QueryResultRow = Record<string, unknown>>(text: string, values?: unknown[]): Promise<T[]>;
  drop(): Promise<void>;
}

/** A brand-new, empty database on the test server: every test file gets its own. */
export async function createTestDatabase(baseUrl = TEST_DATABASE_URL): Promise<TestDatabase> {
  if (!baseUrl) throw new Error('TESSERA_TEST_DATABASE_URL is not set');
  const name = `tessera_test_${randomBytes(6).toString('hex')}`;
  await withClient(baseUrl, (client) => client.query(`create database ${name}`));
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  const pool = new pg.Pool({ connectionString: url.toString(), max: 2 });
  pool.on('error', () => undefined);
  return {
    url: url.toString(),
    name,
    query: async (text, values) => (await pool.query(text, values)).rows,
    async drop() {
      await pool.end();
      await withClient(baseUrl, (client) => client.query(`drop database if exists ${name} with (force)`));
    },
  };
}

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
