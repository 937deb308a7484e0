import type { Repositories } from './repositories.js';

/** Runs `work` in a transaction of its own. */
type Transaction = <T>(work: (tx: Repositories) => Promise<T>) => Promise<T>;

interface Waiting {
  work: (tx: Repositories) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** Works sharing one commit at most: the transaction stays short for the writes waiting behind it. */
const MAX_SHARING = 64;

/**
 * Transactions that share a commit: the work handed in during one event-loop turn, and what
 * arrives while a shared transaction is under way, runs in one transaction, one work after the
 * other, and each caller's promise settles after that commit. On SQLite, where every write goes
 * through one connection anyway, the begin, the commit and the pages the works have in common are
 * then paid once. If any work fails, the shared transaction is rolled back and each work runs again
 * alone, so one caller's error is never another's: a work must do nothing but its statements.
 */
export class SharedCommits {
  private queue: Waiting[] = [];
  private busy = false;

  constructor(private readonly transaction: Transaction) {}

  run<T>(work: (tx: Repositories) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      if (this.busy) return;
      this.busy = true;
      setImmediate(this.runQueued);
    });
  }

  private readonly runQueued = async (): Promise<void> => {
    while (this.queue.length > 0) {
      const sharing = this.queue.splice(0, MAX_SHARING);
      if (sharing.length === 1) await this.alone(sharing[0]!);
      else await this.together(sharing);
    }
    this.busy = false;
  };

  private async together(sharing: Waiting[]): Promise<void> {
    let results: unknown[];
    try {
      results = await this.transaction(async (tx) => {
        const done: unknown[] = [];
        for (const { work } of sharing) done.push(await work(tx));
        return done;
      });
    } catch {
      for (const waiting of sharing) await this.alone(waiting);
      return;
    }
    for (let i = 0; i < sharing.length; i++) sharing[i]!.resolve(results[i]);
  }

  private async alone({ work, resolve, reject }: Waiting): Promise<void> {
    await this.transaction(work).then(resolve, reject);
  }
}
