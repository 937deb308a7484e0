// Latencies as a log-scale histogram (2 % buckets from 1 µs): cheap to record on the load's hot path,
// small to send over IPC, and mergeable across client processes for p50/p99 over all of them.
const GROWTH = Math.log(1.02);

export class Histogram {
  counts = new Map();

  record(ms) {
    const bucket = ms <= 0.001 ? 0 : Math.ceil(Math.log(ms * 1000) / GROWTH);
    this.counts.set(bucket, (this.counts.get(bucket) ?? 0) + 1);
  }

  clear() {
    this.counts.clear();
  }

  toJSON() {
    return [...this.counts];
  }
}

/** p-th quantiles (0..1) in ms over merged histograms (each as its toJSON()); the bucket's upper edge. */
export function quantiles(histograms, ps) {
  const merged = new Map();
  for (const histogram of histograms) for (const [bucket, count] of histogram) merged.set(bucket, (merged.get(bucket) ?? 0) + count);
  const buckets = [...merged].sort((a, b) => a[0] - b[0]);
  const total = buckets.reduce((sum, [, count]) => sum + count, 0);
  return ps.map((p) => {
    if (!total) return null;
    let seen = 0;
    for (const [bucket, count] of buckets) {
      seen += count;
      if (seen >= p * total) return Math.exp(bucket * GROWTH) / 1000;
    }
    return null;
  });
}
