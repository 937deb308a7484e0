// What grew between two heap snapshots (e.g. the soak's, SOAK_HEAP_SNAPSHOTS=<dir>): object counts and
// self sizes by constructor, the largest growth first.
//   node bench/heap-diff.mjs <before.heapsnapshot> <after.heapsnapshot> [rows=25]
import { readFileSync } from 'node:fs';

const [beforeFile, afterFile, rows = '25'] = process.argv.slice(2);

function summarise(file) {
  const snapshot = JSON.parse(readFileSync(file, 'utf8'));
  const fields = snapshot.snapshot.meta.node_fields;
  const types = snapshot.snapshot.meta.node_types[0];
  const stride = fields.length;
  const [typeAt, nameAt, sizeAt] = ['type', 'name', 'self_size'].map((field) => fields.indexOf(field));
  const byName = new Map();
  const nodes = snapshot.nodes;
  for (let i = 0; i < nodes.length; i += stride) {
    const type = types[nodes[i + typeAt]];
    const name = type === 'object' || type === 'closure' ? snapshot.strings[nodes[i + nameAt]] : `(${type})`;
    const entry = byName.get(name) ?? { count: 0, size: 0 };
    entry.count++;
    entry.size += nodes[i + sizeAt];
    byName.set(name, entry);
  }
  return byName;
}

const before = summarise(beforeFile);
const after = summarise(afterFile);
const growth = [...after].map(([name, { count, size }]) => {
  const was = before.get(name) ?? { count: 0, size: 0 };
  return { name, count: count - was.count, size: size - was.size, total: count };
});
growth.sort((a, b) => b.size - a.size);
for (const { name, count, size, total } of growth.slice(0, Number(rows)))
  console.log(`${(size / 1024).toFixed(0).padStart(8)} KiB  ${String(count).padStart(8)} objects (now ${total})  ${name.slice(0, 80)}`);
