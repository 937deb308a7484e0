// A worker thread that stores batches of chat messages in the embedded SQLite file, over its own
// connection, so that their inserts, commits and WAL checkpoints never stall the event loop.
// Plain JavaScript: a worker runs its file as it is, also under the test runner (which runs the
// TypeScript sources of everything else). The protocol is in sqlite-message-appender.ts.
import { parentPort, workerData } from 'node:worker_threads';
import SQLite from 'better-sqlite3';
import { takeBatches } from './take-batches.js';

/** How often WAL pages are copied back into the database, whatever else writes meanwhile. */
const CHECKPOINT_INTERVAL_MS = 1000;

const db = new SQLite(workerData.file);
for (const pragma of workerData.pragmas) db.pragma(pragma);

// Prepared on the first batch: the worker starts before the store's migrations have run.
let statements = null;
const prepare = () => ({
  insert: db.prepare(
    `INSERT INTO messages (id, tenant_id, conversation_id, session_id, role, content, client_id, reply_to, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (session_id, client_id) WHERE client_id IS NOT NULL DO NOTHING`,
  ),
  earlierWithClientId: db.prepare('SELECT id FROM messages WHERE session_id = ? AND client_id = ?').pluck(),
  touchConversation: db.prepare('UPDATE conversations SET updated_at = ? WHERE id = ?'),
  countMessages: db.prepare(
    `INSERT INTO usage_counters (tenant_id, month, sessions, messages) VALUES (?, ?, 0, ?)
     ON CONFLICT (tenant_id, month) DO UPDATE SET messages = usage_counters.messages + excluded.messages`,
  ),
});

/**
 * rows: [id, tenantId, conversationId, sessionId, role, content, clientId, replyTo, createdAt][].
 * Returns, per row, the id it is stored under: its own, or that of the session's earlier message
 * with the same client id.
 */
const append = db.transaction((rows, at, month) => {
  const { insert, earlierWithClientId, touchConversation, countMessages } = (statements ??= prepare());
  const storedIds = [];
  const newPerTenant = new Map();
  const conversations = new Set();
  for (const row of rows) {
    conversations.add(row[2]);
    if (insert.run(row).changes === 1) {
      storedIds.push(row[0]);
      newPerTenant.set(row[1], (newPerTenant.get(row[1]) ?? 0) + 1);
    } else {
      storedIds.push(earlierWithClientId.get(row[3], row[6]) ?? row[0]);
    }
  }
  for (const conversationId of conversations) touchConversation.run(at, conversationId);
  for (const [tenantId, count] of newPerTenant) countMessages.run(tenantId, month, count);
  return storedIds;
});

const checkpoints = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    // Busy or failing now: the next one (or a commit's automatic checkpoint) tries again.
  }
}, CHECKPOINT_INTERVAL_MS);

/**
 * Batches that arrived while the last transaction ran are stored together: one commit writes
 * each hot index page once, however many batches touched it. Up to a number of rows, though
 * (see sqlite-message-appender.ts).
 */
const MAX_ROWS_PER_TRANSACTION = workerData.maxRowsPerTransaction;

let queue = [];
const storeQueued = () => {
  if (queue.length === 0) return;
  const [requests, rest] = takeBatches(queue, MAX_ROWS_PER_TRANSACTION, (request) => request.rows.length);
  queue = rest;
  // The rest goes next, after the messages that arrived meanwhile have been queued behind it.
  if (queue.length > 0) setImmediate(storeQueued);
  const rows = requests.length === 1 ? requests[0].rows : requests.flatMap((request) => request.rows);
  // One moment for the whole transaction: the latest batch's.
  const last = requests[requests.length - 1];
  const ids = requests.map((request) => request.id);
  let storedIds;
  try {
    // IMMEDIATE: take the write lock up front, waiting (busy_timeout) for the main connection's.
    storedIds = append.immediate(rows, last.at, last.month);
  } catch (error) {
    parentPort.postMessage({ ids, error: error instanceof Error ? error.message : String(error) });
    return;
  }
  // One reply for the whole transaction: its batches' ids and, per batch, its rows' stored ids.
  let offset = 0;
  parentPort.postMessage({ ids, storedIds: requests.map((request) => storedIds.slice(offset, (offset += request.rows.length))) });
};

parentPort.on('message', (request) => {
  if (request.type === 'close') {
    while (queue.length > 0) storeQueued();
    clearInterval(checkpoints);
    db.close();
    parentPort.close();
    return;
  }
  if (queue.length === 0) setImmediate(storeQueued);
  queue.push({ ...request, rows: JSON.parse(request.rows) });
});
