import { Worker } from 'node:worker_threads';
import { MAX_ROWS_PER_TRANSACTION } from './append-messages.js';
import type { Message } from './records.js';

export interface AppendOptions {
  /** When the batch is stored: its conversations' `updated_at`. */
  at: number;
  /** The billing month (`YYYY-MM`) whose message count the new messages go to. */
  month: string;
}

interface Pending {
  resolve: (storedIds: string[]) => void;
  reject: (error: Error) => void;
}

/** One reply per transaction: the batches it stored (and, per batch, its rows' stored ids) or failed. */
type Reply = { ids: number[]; storedIds: string[][] } | { ids: number[]; error: string };

/**
 * Stores message batches through a worker thread with its own SQLite connection
 * (sqlite-append-worker.js): the hottest writes, their commits and the WAL checkpoints
 * run beside the event loop instead of on it. Batches that queue up while it commits share
 * the next transaction, up to `maxRowsPerTransaction` rows. A worker that dies fails its
 * batches and is replaced on the next one.
 */
export class SqliteMessageAppender {
  private worker: Worker | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private closed = false;
  private committed = 0;

  constructor(
    private readonly file: string,
    private readonly pragmas: string[],
    private readonly maxRowsPerTransaction = MAX_ROWS_PER_TRANSACTION,
  ) {
    // Started at once: besides storing messages, it checkpoints the WAL for every writer.
    this.worker = this.start();
  }

  append(messages: Message[], options: AppendOptions): Promise<string[]> {
    if (this.closed) return Promise.reject(new Error('store is closed'));
    if (messages.length === 0) return Promise.resolve([]);
    const worker = (this.worker ??= this.start());
    const id = ++this.nextId;
    const rows = messages.map((m) => [m.id, m.tenantId, m.conversationId, m.sessionId, m.role, m.content, m.clientId, m.replyTo, m.createdAt]);
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      // A batch in flight keeps the process alive until it is stored.
      worker.ref();
      // One string: cloning it is a copy; cloning nested arrays costs more than a JSON round trip.
      worker.postMessage({ type: 'append', id, rows: JSON.stringify(rows), at: options.at, month: options.month });
    });
  }

  /** How many transactions have stored message batches so far. */
  get transactions(): number {
    return this.committed;
  }

  async close(): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    if (!worker) return;
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    // Kept alive until it has stored what it holds and closed its connection.
    worker.ref();
    worker.postMessage({ type: 'close' });
    await exited;
  }

  private start(): Worker {
    const worker = new Worker(new URL('./sqlite-append-worker.js', import.meta.url), {
      workerData: { file: this.file, pragmas: this.pragmas, maxRowsPerTransaction: this.maxRowsPerTransaction },
    });
    worker.unref();
    worker.on('message', (reply: Reply) => {
      if (!('error' in reply)) this.committed++;
      reply.ids.forEach((id, i) => {
        const pending = this.pending.get(id);
        if (!pending) return;
        this.pending.delete(id);
        if ('error' in reply) pending.reject(new Error(`storing messages failed: ${reply.error}`));
        else pending.resolve(reply.storedIds[i]);
      });
      if (this.pending.size === 0) worker.unref();
    });
    worker.on('error', (error) => this.failAll(error));
    worker.on('exit', (code) => {
      if (this.worker === worker) this.worker = null;
      this.failAll(new Error(`message store worker exited (code ${code})`));
    });
    return worker;
  }

  private failAll(error: Error): void {
    for (const { reject } of this.pending.values()) reject(error);
    this.pending.clear();
  }
}
