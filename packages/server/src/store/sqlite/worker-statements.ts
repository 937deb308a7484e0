import { type Compilable, DummyDriver, Kysely, SqliteAdapter, SqliteIntrospector, SqliteQueryCompiler } from 'kysely';
import type { Message } from '../records.js';
import type { Database } from '../schema.js';
import { insertMessages, storedIdOfClientId, touchConversationIfEarlier } from '../write-statements.js';

/** A compiled statement: its SQL, and the names of the values it binds, in order. */
export interface WorkerStatement {
  sql: string;
  parameters: string[];
}

/** What the message worker runs: write-statements.ts compiled for SQLite and one row each. */
export interface WorkerStatements {
  /** Its parameters name the fields of a message, in the order of `writeRow`. */
  insert: WorkerStatement;
  /** Parameters `sessionId`, `clientId`. */
  storedId: WorkerStatement;
  /** Parameters `at`, `conversationId` (some more than once). */
  touch: WorkerStatement;
}

/** Builds SQLite SQL and runs nothing: the worker runs it over its own connection. */
const compiler = new Kysely<Database>({
  dialect: {
    createAdapter: () => new SqliteAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (db) => new SqliteIntrospector(db),
    createQueryCompiler: () => new SqliteQueryCompiler(),
  },
});

/** Stands for a value in a compiled statement: every value a statement binds is named this way. */
const named = <T>(name: string) => name as unknown as T;

/** Every field of a message. */
const MESSAGE_FIELDS = ['id', 'tenantId', 'conversationId', 'sessionId', 'role', 'content', 'clientId', 'replyTo', 'createdAt'] as const;

/** How many values a message takes in the flat array sent to the worker. */
export const FIELDS_PER_ROW = MESSAGE_FIELDS.length;

/**
 * Writes a message at `offset` of the flat array sent to the worker, as the insert binds it
 * (checked when it is compiled). Spelled out: it runs for every message stored.
 */
export function writeRow(rows: unknown[], offset: number, m: Message): void {
  rows[offset] = m.id;
  rows[offset + 1] = m.tenantId;
  rows[offset + 2] = m.conversationId;
  rows[offset + 3] = m.sessionId;
  rows[offset + 4] = m.role;
  rows[offset + 5] = m.content;
  rows[offset + 6] = m.clientId;
  rows[offset + 7] = m.replyTo;
  rows[offset + 8] = m.createdAt;
}

/** A message whose every field holds its own name. */
const namedMessage = Object.fromEntries(MESSAGE_FIELDS.map((field) => [field, field])) as unknown as Message;

function compile(query: Compilable): WorkerStatement {
  const { sql, parameters } = query.compile();
  if (!parameters.every((value) => typeof value === 'string')) throw new Error(`a worker statement binds an unnamed value: ${sql}`);
  return { sql, parameters: parameters as string[] };
}

export function workerStatements(): WorkerStatements {
  const insert = compile(insertMessages(compiler, [namedMessage]));
  const row: unknown[] = [];
  writeRow(row, 0, namedMessage);
  if (row.join() !== insert.parameters.join())
    throw new Error(`writeRow does not match the insert's parameters: ${insert.parameters.join()}`);
  return {
    insert,
    storedId: compile(storedIdOfClientId(compiler, 'sessionId', 'clientId')),
    touch: compile(touchConversationIfEarlier(compiler, 'conversationId', named('at'))),
  };
}
