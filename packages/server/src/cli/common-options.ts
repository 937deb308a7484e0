import { TENANT_CACHE_TTL_MS } from '../tenancy/index.js';

/** The options of every command that opens the data directory, as its usage shows them. */
export const DATA_OPTIONS = `  --data DIR     the data directory (default ./data): its keys and, unless TESSERA_DATABASE_URL
                 names a PostgreSQL database, its SQLite file; TESSERA_REDIS_URL as for \`tessera start\``;

/** For commands that act on one tenant. */
export const TENANT_OPTION = `  --tenant ID    the tenant to act on (default: the one \`tessera init\` made)`;

/** How soon a running server sees a setting the CLI changed (the CLI is a process of its own). */
export const SEEN_BY_RUNNING_SERVERS = `A running server sees the change within ${TENANT_CACHE_TTL_MS / 1000} s; at once when TESSERA_REDIS_URL is set here as on the servers.`;
