// The printed table of a bench report (bench/results.json holds every run's figures).
const f = (n, digits = 0) =>
  n === null || n === undefined ? '–' : n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const triple = (s, digits = 0, unit = '') => (s ? `${f(s.min, digits)} / ${f(s.median, digits)} / ${f(s.max, digits)}${unit}` : '–');
const verdicts = (targets) =>
  targets.map((t) => `${t.met ? 'met' : 'MISSED'}: ${t.label} (${f(t.value, t.metric === 'micros' ? 0 : 2)})`).join('; ');

export function printReport(report) {
  const { cases, memory, verify, agents } = report.results;
  console.log(`\nTessera benchmark: ${report.node}, ${report.cpus}, ${report.backend.database}, redis ${report.backend.redis}`);
  console.log(
    `${report.settings.runs} runs × ${report.settings.seconds} s per case and side, interleaved; ${report.settings.clients} load client processes${report.settings.pinned ? ` (pinned: server on CPU ${report.settings.pinned.server}, clients on ${report.settings.pinned.clients})` : ''}; total ${f(report.seconds)} s`,
  );
  console.log('Figures are min / median / max over the runs; ratios are paired (each Tessera run over the baseline run beside it).');
  console.log(
    'Server CPU per operation is the headline: /proc/<pid>/stat utime+stime over the window, every thread of the server process.\n',
  );
  for (const c of cases ?? []) {
    const b = c.baseline;
    const t = c.tessera;
    console.log(`${c.name}: ${c.note}${c.seconds ? ` (${c.seconds} s)` : ''}`);
    console.log(`  baseline ${c.baselineLabel}`);
    console.log(
      `    server CPU µs/op ${triple(b.microsPerOp, 1)}   ops/s ${triple(b.perSecond)}   server ${triple(b.serverCpuPercent)} %   clients ${triple(b.clientCpuPercent)} %${latency(b)}`,
    );
    console.log(`  tessera`);
    console.log(
      `    server CPU µs/op ${triple(t.microsPerOp, 1)}   ops/s ${triple(t.perSecond)}   server ${triple(t.serverCpuPercent)} %   clients ${triple(t.clientCpuPercent)} %${latency(t)}`,
    );
    const r = c.ratios;
    console.log(
      `  tessera ÷ baseline: CPU/op ${triple(r.cpuRatio, 2, '×')}   rate ${triple(r.rate, 2, '×')}${r.p50Ratio ? `   p50 ${triple(r.p50Ratio, 2, '×')}   p99 ${triple(r.p99Ratio, 2, '×')}` : ''}`,
    );
    if (b.errors || t.errors) console.log(`  ERRORS: baseline ${b.errors}, tessera ${t.errors} (a case with errors misses its targets)`);
    if (c.targets.length) console.log(`  targets: ${verdicts(c.targets)}`);
    console.log('');
  }
  if (memory) console.log(`memory cases: ${report.results.memorySeconds} s`);
  for (const m of memory ?? []) {
    const kib = (s) => (s ? { min: s.min / 1024, median: s.median / 1024, max: s.max / 1024 } : null);
    console.log(`${m.name}: ${f(m.sockets)} idle sockets, after a full GC`);
    console.log(
      `  bare ws   JS heap ${triple(kib(m.baseline.heapPerSocket), 2)} KiB/socket   RSS ${triple(kib(m.baseline.rssPerSocket), 2)} KiB/socket`,
    );
    console.log(
      `  tessera   JS heap ${triple(kib(m.tessera.heapPerSocket), 2)} KiB/socket   RSS ${triple(kib(m.tessera.rssPerSocket), 2)} KiB/socket`,
    );
    console.log(`  tessera ÷ bare: JS heap ${triple(m.ratios.heapRatio, 2, '×')}   RSS ${triple(m.ratios.rssRatio, 2, '×')}`);
    console.log(`  targets: ${verdicts(m.targets)}\n`);
  }
  if (verify) {
    console.log(
      `verify (${verify.alg}, in process, calls per CPU-second): crypto.verify ${triple(verify.raw)}   accessTokens.verify ${triple(verify.ours)}   ratio ${triple(verify.ratio, 2, '×')}`,
    );
    console.log(
      `  full sessions.verify of one token again and again (signature checked once, then claims + session cache): ${f(verify.sessionsVerifyPerSecond)}/s`,
    );
    console.log(`  targets: ${verdicts(verify.targets)}\n`);
  }
  if (agents) {
    const { direct: d, tessera: t } = agents.throughput;
    console.log(
      `agents (${agents.loops} concurrent turns, SSE): direct ${f(d.deltasPerSecond)} deltas/s, through Tessera ${f(t.deltasPerSecond)} deltas/s`,
    );
    console.log(
      `  added latency (one turn at a time): request p50 ${f(agents.addedMs.requestP50, 2)} ms p99 ${f(agents.addedMs.requestP99, 2)} ms; relay p50 ${f(agents.addedMs.relayP50, 2)} ms p99 ${f(agents.addedMs.relayP99, 2)} ms`,
    );
    console.log(`  targets: ${verdicts(agents.targets)}\n`);
  }
  const all = allTargets(report.results);
  console.log(`targets: ${all.filter((t) => t.met).length} met, ${all.filter((t) => !t.met).length} missed`);
  const [loadStart, loadEnd] = report.load;
  if (Math.max(loadStart, loadEnd) > report.cpuCount + 0.5)
    console.log(
      `! load average ${loadStart} → ${loadEnd} on ${report.cpuCount} CPUs: other processes competed with the bench; treat absolute figures as rough (paired ratios suffer less)`,
    );
}

function latency(side) {
  return side.p50Ms ? `   p50 ${triple(side.p50Ms, 2, ' ms')}   p99 ${triple(side.p99Ms, 2, ' ms')}` : '';
}

export function allTargets(results) {
  return [
    ...(results.cases ?? []),
    ...(results.memory ?? []),
    ...(results.verify ? [results.verify] : []),
    ...(results.agents ? [results.agents] : []),
  ].flatMap((c) => c.targets.map((t) => ({ ...t, case: c.name })));
}
