// A worker thread that stores transactions of chat messages in the embedded SQLite file, over its
// own connection, so that their inserts, commits and WAL checkpoints never stall the event loop.
// Plain JavaScript: a worker runs its file as it is, also under the test runner (which runs the
// TypeScript sources of everything else). It runs the store's own statements (write-statements.ts),
// compiled for it by worker-statements.ts; the protocol is in message-appender.ts.
import { parentPort, workerData } from 'node:worker_threads';
import SQLite from 'better-sqlite3';

/** How often WAL pages are copied back into the database, whatever else writes meanwhile. */
const CHECKPOINT_INTERVAL_MS = 1000;

const db = new SQLite(workerData.file);
for (const pragma of workerData.pragmas) db.pragma(pragma);

/** @type {import('./worker-statements.js').WorkerStatements} */
const compiled = workerData.statements;
/** Where a row (the insert's parameters) holds each field of its message. */
const field = (name) => compiled.insert.parameters.indexOf(name);
const [ID, SESSION, CLIENT_ID] = ['id', 'sessionId', 'clientId'].map(field);
const FIELDS = compiled.insert.parameters.length;
/** A statement's parameters, from named values. */
const bind = (statement, values) => statement.parameters.map((name) => values[name]);

// Prepared on the first transaction: the worker starts before the store's migrations have run.
let statements = null;
const prepare = () => ({
  insert: db.prepare(compiled.insert.sql),
  storedId: db.prepare(compiled.storedId.sql).pluck(),
  touch: db.prepare(compiled.touch.sql),
});

/**
 * rows: messages as the insert binds them, one after the other in one flat array. Returns, per
 * message, the id it is stored under: its own, or that of the session's earlier message with the
 * same client id (the insert skipped it). Inserts only: the bookkeeping is written apart.
 */
const append = db.transaction((rows) => {
  statements ??= prepare();
  const { insert, storedId } = statements;
  const storedIds = [];
  for (let offset = 0; offset < rows.length; offset += FIELDS) {
    const row = rows.slice(offset, offset + FIELDS);
    if (insert.run(row).changes === 1) storedIds.push(row[ID]);
    else storedIds.push(storedId.get(bind(compiled.storedId, { sessionId: row[SESSION], clientId: row[CLIENT_ID] })) ?? row[ID]);
  }
  return storedIds;
});

/** touches: conversation id, moment, conversation id, moment, … */
const touch = db.transaction((touches) => {
  statements ??= prepare();
  for (let i = 0; i < touches.length; i += 2) {
    statements.touch.run(bind(compiled.touch, { conversationId: touches[i], at: touches[i + 1] }));
  }
});

const checkpoints = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    // Busy or failing now: the next one (or a commit's automatic checkpoint) tries again.
  }
}, CHECKPOINT_INTERVAL_MS);

// One transaction per request, in the order they come: which batches share one is decided by
// the store's message queue (message-queue.ts), before they are sent here.
parentPort.on('message', (request) => {
  if (request.type === 'close') {
    clearInterval(checkpoints);
    db.close();
    parentPort.close();
    return;
  }
  try {
    // IMMEDIATE: take the write lock up front, waiting (busy_timeout) for the main connection's.
    if (request.type === 'touch') touch.immediate(request.payload);
    const storedIds = request.type === 'append' ? append.immediate(request.payload) : [];
    parentPort.postMessage({ id: request.id, storedIds });
  } catch (error) {
    parentPort.postMessage({ id: request.id, error: error instanceof Error ? error.message : String(error) });
  }
});
