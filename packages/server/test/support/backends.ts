import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, type Store } from '../../src/store/index.js';
import { createTestDatabase, TEST_DATABASE_URL } from './postgres.js';

export interface OpenedStore {
  store: Store;
  /** Another store on the same database, as a second node would open it (closed by dispose). */
  sibling(): Promise<Store>;
  /** Closes the store and deletes its database (file or PostgreSQL database). */
  dispose(): Promise<void>;
}

export interface StoreBackend {
  name: 'sqlite' | 'postgres';
  /** A fresh, migrated, empty store. */
  open(): Promise<OpenedStore>;
}

const sqlite: StoreBackend = {
  name: 'sqlite',
  async open() {
    const dataDir = mkdtempSync(join(tmpdir(), 'tessera-store-'));
    const store = await openStore({ dataDir });
    const siblings: Store[] = [];
    return {
      store,
      sibling: async () => siblings[siblings.push(await openStore({ dataDir })) - 1]!,
      async dispose() {
        for (const sibling of siblings) await sibling.close();
        await store.close();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  },
};

const postgres: StoreBackend = {
  name: 'postgres',
  async open() {
    const database = await createTestDatabase();
    const dataDir = mkdtempSync(join(tmpdir(), 'tessera-store-'));
    const store = await openStore({ dataDir, databaseUrl: database.url });
    const siblings: Store[] = [];
    return {
      store,
      sibling: async () => siblings[siblings.push(await openStore({ dataDir, databaseUrl: database.url })) - 1]!,
      async dispose() {
        for (const sibling of siblings) await sibling.close();
        await store.close();
        await database.drop();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  },
};

/** SQLite always; PostgreSQL too when TESSERA_TEST_DATABASE_URL is set. Use with `describe.each(backends)`. */
export const backends: StoreBackend[] = TEST_DATABASE_URL ? [sqlite, postgres] : [sqlite];
