import type { Migration } from 'kysely';
import * as initial from './2026-11-21T0900-initial.js';
import * as usageCounters from './2026-11-21T1100-usage-counters.js';
import * as partnersAudit from './2026-11-21T1200-partners-audit.js';
import * as partialClientIdIndex from './2026-11-21T1300-partial-client-id-index.js';
import * as agents from './2026-12-02T0900-agents.js';
import * as signInFlows from './2026-12-02T1200-sign-in-flows.js';
import * as passwordless from './2026-12-02T1500-passwordless.js';

/** Every migration, keyed by its timestamped name; Kysely applies them in name order. */
export const migrations: Record<string, Migration> = {
  '2026-11-21T0900-initial': initial,
  '2026-11-21T1100-usage-counters': usageCounters,
  '2026-11-21T1200-partners-audit': partnersAudit,
  '2026-11-21T1300-partial-client-id-index': partialClientIdIndex,
  '2026-12-02T0900-agents': agents,
  '2026-12-02T1200-sign-in-flows': signInFlows,
  '2026-12-02T1500-passwordless': passwordless,
};
