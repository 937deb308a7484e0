import { Worker, type WorkerOptions } from 'node:worker_threads';
import type { AppendOptions } from '../message-batches.js';
import type { Message } from '../records.js';
import { rowOf, workerStatements } from './worker-statements.js';

interface Pending {
  resolve: (storedIds: string[]) => void;
  reject: (error: Error) => void;
}

/** One reply per request: the stored ids of its rows, or why its transaction failed. */
type Reply = { id: number; storedIds: string[] } | { id: number; error: string };

/** Starts the worker thread; tests pass their own to watch it (e.g. to terminate it). */
export type StartWorker = (script: URL, options: WorkerOptions) => Worker;

const startWorker: StartWorker = (script, options) => new Worker(script, options);

/**
 * Stores message batches through a worker thread with its own SQLite connection
 * (append-worker.js): the hottest writes, their commits and the WAL checkpoints run beside the
 * event loop instead of on it. Each `append` is one transaction, stored in the order asked; which
 * batches share one is the store's MessageQueue's business. A worker that dies fails the
 * transactions it was given and is replaced on the next one.
 */
export class SqliteMessageAppender {
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
  append(messages: Message[], options: AppendOptions): Promise<string[]> {
    if (this.closed) return Promise.reject(new Error('store is closed'));
    if (messages.length === 0) return Promise.resolve([]);
    this.worker ??= this.start();
    const worker = this.worker;
    const id = ++this.nextId;
    const rows = messages.map(rowOf);
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      // A transaction in flight keeps the process alive until it is stored.
      worker.ref();
      // One string: cloning it is a copy; cloning nested arrays costs more than a JSON round trip.
      worker.postMessage({ type: 'append', id, rows: JSON.stringify(rows), at: options.at, month: options.month });
    });
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
        this.committed++;
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
