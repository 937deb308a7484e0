// Plain JavaScript, so that the SQLite message worker (which runs its files as they are) and the
// TypeScript store share it.

/**
 * Splits a queue of batches into those the next transaction takes (as many as fit in `maxRows`
 * rows, and always the first: a batch is stored whole or not at all) and the rest, in order.
 *
 * @template T
 * @param {T[]} queue
 * @param {number} maxRows
 * @param {(batch: T) => number} rowsOf
 * @returns {[T[], T[]]}
 */
export function takeBatches(queue, maxRows, rowsOf) {
  let taken = 0;
  let rowCount = 0;
  while (taken < queue.length && (taken === 0 || rowCount + rowsOf(queue[taken]) <= maxRows)) {
    rowCount += rowsOf(queue[taken++]);
  }
  return [queue.slice(0, taken), queue.slice(taken)];
}
