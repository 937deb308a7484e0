import { Worker, type WorkerOptions } from 'node:worker_threads';
import type { ConversationTouches, MessageTransactions } from '../message-batches.js';
import type { Message } from '../records.js';
import { FIELDS_PER_ROW, workerStatements, writeRow } from './worker-statements.js';

interface Pending {
  /** Stores messages (rather than touches). */
  appends: boolean;
  resolve: (storedIds: string[]) => void;
  reject: (error: Error) => void;
}

/** One reply per request: the stored ids of its rows (none for touches), or why its transaction failed. */
type Reply = { id: number; storedIds: string[] } | { id: number; error: string };

/** Starts the worker thread; tests pass their own to watch it (e.g. to terminate it). */
export type StartWorker = (script: URL, options: WorkerOptions) => Worker;

const startWorker: StartWorker = (script, options) => new Worker(script, options);

/**
 * Stores message batches through a worker thread with its own SQLite connection
 * (append-worker.js): the hottest writes, their commits and the WAL checkpoints run beside the
 * event loop instead of on it. Each `append` (and each `touch`) is one transaction, stored in the
 * order asked; which batches share one is the store's MessageQueue's business. Rows cross as one
 * flat array of strings, numbers and nulls: structured clone copies it for less CPU, on both
 * threads, than a JSON round trip. A worker that dies fails the transactions it was given and is
 * replaced on the next one.
 */
export class SqliteMessageAppender implements MessageTransactions {
  /** One connection, one writer: transactions go one at a time. */
  readonly lanes = 1;
  private worker: Worker | null = null;
  private readonly pending = new Map<number, Pending>();
  private readonly statements = workerStatements();
  private nextId = 0;
  private closed = false;
  private committed = 0;

  constructor(
    private readonly file: string,
    private readonly pragmas: string[],
    private readonly options: { startWorker?: StartWorker } = {},
  ) {
    // Started at once: besides storing messages, it checkpoints the WAL for every writer.
    this.worker = this.start();
  }

  /** Stores `messages` in one transaction; resolves after the commit with their stored ids. */
  append(messages: Message[]): Promise<string[]> {
    if (messages.length === 0) return Promise.resolve([]);
    const rows = new Array(messages.length * FIELDS_PER_ROW);
    for (let i = 0; i < messages.length; i++) writeRow(rows, i * FIELDS_PER_ROW, messages[i]);
    return this.request('append', rows);
  }

  /** Moves conversations' `updated_at` forward, in one transaction. */
  async touch(touches: ConversationTouches): Promise<void> {
    if (touches.size === 0) return;
    const flat: (string | number)[] = [];
    for (const [conversationId, at] of touches) flat.push(conversationId, at);
    await this.request('touch', flat);
  }

  /** How many transactions have stored message batches so far. */
  get transactions(): number {
    return this.committed;
  }

  /** Lets the worker store what it was given, then stops it. */
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

  /** `payload`: a flat array, for append-worker.js to read. */
  private request(type: 'append' | 'touch', payload: unknown[]): Promise<string[]> {
    if (this.closed) return Promise.reject(new Error('store is closed'));
    this.worker ??= this.start();
    const worker = this.worker;
    const id = ++this.nextId;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { appends: type === 'append', resolve, reject });
      // A transaction in flight keeps the process alive until it is stored.
      worker.ref();
      worker.postMessage({ type, id, payload });
    });
  }

  private start(): Worker {
    const worker = (this.options.startWorker ?? startWorker)(new URL('./append-worker.js', import.meta.url), {
      workerData: { file: this.file, pragmas: this.pragmas, statements: this.statements },
    });
    worker.unref();
    worker.on('message', (reply: Reply) => {
      const pending = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if ('error' in reply) pending?.reject(new Error(`storing messages failed: ${reply.error}`));
      else {
        if (pending?.appends) this.committed++;
        pending?.resolve(reply.storedIds);
      }
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
