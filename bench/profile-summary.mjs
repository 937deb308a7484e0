// Summarises a `node --cpu-prof` profile (e.g. from BENCH_CPU_PROF=<dir> npm run bench):
// the functions with the most self time, and the most inclusive time.
//   node bench/profile-summary.mjs <file.cpuprofile> [rows=30] [filter]
import { readFileSync } from 'node:fs';

const [file, rowsArg = '30', filter = ''] = process.argv.slice(2);
const profile = JSON.parse(readFileSync(file, 'utf8'));
const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
const parent = new Map();
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

const self = new Map();
for (let i = 0; i < profile.samples.length; i++) {
  const dt = profile.timeDeltas[i] ?? 0;
  self.set(profile.samples[i], (self.get(profile.samples[i]) ?? 0) + dt);
}
const label = (node) => {
  const { functionName, url, lineNumber } = node.callFrame;
  const where = url ? url.replace(/^.*\/(node_modules|packages)\//, '$1/').replace(/^file:\/\//, '') : '';
  return `${functionName || '(anonymous)'} ${where}${where ? `:${lineNumber + 1}` : ''}`;
};
const total = [...self.values()].reduce((a, b) => a + b, 0);
const selfBy = new Map();
const inclusiveBy = new Map();
for (const [id, time] of self) {
  const key = label(nodes.get(id));
  selfBy.set(key, (selfBy.get(key) ?? 0) + time);
  const seen = new Set();
  for (let at = id; at !== undefined; at = parent.get(at)) {
    const k = label(nodes.get(at));
    if (seen.has(k)) continue;
    seen.add(k);
    inclusiveBy.set(k, (inclusiveBy.get(k) ?? 0) + time);
  }
}
const show = (title, map) => {
  console.log(`\n${title} (of ${(total / 1000).toFixed(0)} ms sampled)`);
  [...map]
    .filter(([k]) => k.includes(filter))
    .sort((a, b) => b[1] - a[1])
    .slice(0, Number(rowsArg))
    .forEach(([k, t]) => {
      console.log(`${((t / total) * 100).toFixed(1).padStart(5)}%  ${k}`);
    });
};
show('self time', selfBy);
show('inclusive time', inclusiveBy);
