import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import {
  type ApiKey,
  type Conversation,
  type Message,
  openStore,
  type RefreshToken,
  type Session,
  type Store,
  type Tenant,
  type User,
} from '../../src/store/index.js';
import type { OpenedStore, StoreBackend } from '../support/backends.js';

export const T0 = 1_800_000_000_000;
export const uid = (prefix: string) => `${prefix}_${randomBytes(10).toString('hex')}`;

export function tenant(overrides: Partial<Tenant> = {}): Tenant {
  return {
    id: uid('ten'),
    name: 'Acme',
    settings: {
      allowedOrigins: ['https://acme.example'],
      sessions: { anonymousIdleSeconds: 86_400, userIdleSeconds: 604_800, absoluteSeconds: 2_592_000 },
      tokens: { accessTokenTtlSeconds: 900 },
      limits: { messagesPerMinute: 30 },
      retention: { messageDays: null },
    },
    createdAt: T0,
    ...overrides,
  };
}

export function apiKey(tenantId: string, overrides: Partial<ApiKey> = {}): ApiKey {
  return {
    id: uid('key'),
    tenantId,
    kind: 'secret',
    name: 'backend',
    secretHash: randomBytes(32).toString('hex'),
    scopes: ['admin'],
    allowedIps: null,
    expiresAt: null,
    createdAt: T0,
    revokedAt: null,
    lastUsedAt: null,
    replacedBy: null,
    ...overrides,
  };
}

export function user(tenantId: string, overrides: Partial<User> = {}): User {
  return {
    id: uid('usr'),
    tenantId,
    externalId: uid('ext'),
    name: 'Ada',
    avatar: null,
    custom: { role: 'admin', workspaceId: 'w1' },
    email: null,
    passwordHash: null,
    createdAt: T0,
    updatedAt: T0,
    emailVerifiedAt: null,
    ...overrides,
  };
}

export function session(tenantId: string, overrides: Partial<Session> = {}): Session {
  return {
    id: uid('sess'),
    tenantId,
    anonymousId: uid('anon'),
    userId: null,
    ver: 1,
    createdAt: T0,
    lastSeenAt: T0,
    idleExpiresAt: T0 + 86_400_000,
    absoluteExpiresAt: T0 + 30 * 86_400_000,
    revokedAt: null,
    revokedReason: null,
    authTime: null,
    amr: [],
    ...overrides,
  };
}

export function refreshToken(sessionId: string, overrides: Partial<RefreshToken> = {}): RefreshToken {
  return {
    id: uid('rt'),
    sessionId,
    secretHash: randomBytes(32).toString('hex'),
    parentId: null,
    childId: null,
    state: 'current',
    createdAt: T0,
    rotatedAt: null,
    ...overrides,
  };
}

export function conversation(s: Session, overrides: Partial<Conversation> = {}): Conversation {
  return {
    id: uid('conv'),
    tenantId: s.tenantId,
    sessionId: s.id,
    anonymousId: s.anonymousId,
    userId: s.userId,
    createdAt: T0,
    updatedAt: T0,
    ...overrides,
  };
}

export function message(c: Conversation, overrides: Partial<Message> = {}): Message {
  return {
    id: uid('msg'),
    tenantId: c.tenantId,
    conversationId: c.id,
    sessionId: c.sessionId,
    role: 'user',
    content: 'hello',
    clientId: uid('c'),
    replyTo: null,
    createdAt: T0,
    ...overrides,
  };
}

/** A tenant and a live anonymous session in it, stored. */
export async function seedSession(store: Store, overrides: Partial<Session> = {}) {
  const t = tenant();
  await store.tenants.insert(t);
  const s = session(t.id, overrides);
  await store.sessions.insert(s);
  return { tenant: t, session: s };
}

export interface SuiteStore {
  /** The suite's store (usable from its tests and hooks on, not while the suite is being declared). */
  store: Store;
  /** Another store on the same database, as a second node would open it (closed with the suite's). */
  sibling(): Promise<Store>;
}

/**
 * A fresh, migrated store on `backend` for the enclosing suite: opened before its tests, closed
 * and deleted after them. Call it in the suite's body, in place of its beforeAll and afterAll.
 */
export function useStore(backend: StoreBackend): SuiteStore {
  let opened: OpenedStore | undefined;
  beforeAll(async () => {
    opened = await backend.open();
  });
  afterAll(() => opened?.dispose());
  const current = () => opened ?? failNotOpen();
  return { store: forwardingTo(() => current().store), sibling: () => current().sibling() };
}

/** useStore on SQLite, with the path of the database file (for another connection to it). */
export function useSqliteStore(): { store: Store; readonly file: string } {
  let opened: { store: Store; dataDir: string } | undefined;
  beforeAll(async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'tessera-store-'));
    opened = { store: await openStore({ dataDir }), dataDir };
  });
  afterAll(async () => {
    await opened?.store.close();
    if (opened) rmSync(opened.dataDir, { recursive: true, force: true });
  });
  const current = () => opened ?? failNotOpen();
  return {
    store: forwardingTo(() => current().store),
    get file() {
      return join(current().dataDir, 'tessera.db');
    },
  };
}

/** A store that stands for the one `current` returns when it is used: suites name it before it is opened. */
function forwardingTo(current: () => Store): Store {
  return new Proxy({} as Store, { get: (_, key) => Reflect.get(current(), key) });
}

function failNotOpen(): never {
  throw new Error('the suite store opens in beforeAll: use it from tests and hooks');
}
