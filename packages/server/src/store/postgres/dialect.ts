import pg from 'pg';
import { type Dialect, PostgresDialect } from 'kysely';

const INT8_OID = 20;
const NUMERIC_OID = 1700;

/** Every int8 we store is an epoch-ms time, a count or a sequence number: all well inside 2^53. */
const parseInt8 = (value: string): number => Number(value);

/**
 * Per-pool type parsers (not pg's global registry): int8 and numeric come back as
 * numbers, exactly as better-sqlite3 returns them, so repos see one shape on both.
 */
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID || oid === NUMERIC_OID) return parseInt8;
    return pg.types.getTypeParser(oid, format as 'text');
  },
} as pg.CustomTypesConfig;

export interface PostgresOptions {
  /** Connections per node; every node keeps at most this many open. */
  poolSize?: number;
  /** Told about connections that broke while idle (the server restarted, the network dropped). */
  onPoolError?: (error: Error) => void;
}

/**
 * A pg Pool behind Kysely. Broken connections are dropped and replaced on the next
 * query, so the node rides out a database restart: queries fail meanwhile (and
 * `/readyz` says 503), then work again without a restart of the node.
 */
export function createPostgresDialect(url: string, options: PostgresOptions = {}): Dialect {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
    types,
    application_name: 'tessera',
  });
  // Without a listener an idle client's error (e.g. the server shut down) would crash the process.
  pool.on('error', (error) => options.onPoolError?.(error));
  return new PostgresDialect({ pool });
}
