import type { Migration } from 'kysely';
import * as initial from './2026-11-21T0900-initial.js';

/** Every migration, keyed by its timestamped name; Kysely applies them in name order. */
export const migrations: Record<string, Migration> = {
  '2026-11-21T0900-initial': initial,
};
