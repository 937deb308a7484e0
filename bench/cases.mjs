// The measured cases: what load, against which baseline, and the target for each.
// `units`: loops (handshakes, HTTP) or sockets (messages) in all, shared out among the load clients.
// `sessions(units, lastRate, seconds)`: sessions minted on the server before each run (outside the window).
// Targets compare medians of the paired ratios (each run of Tessera against the baseline run next to it):
//   cpuRatio  Tessera's server CPU per op ÷ the baseline's (lower is better)
//   rate      Tessera's ops/s ÷ the baseline's
//   micros    Tessera's server CPU per op, absolute
//   p50Ratio  Tessera's p50 latency ÷ the baseline's
const perUnit = (units) => units;

const handshakes = (name, { fresh }) => ({
  name,
  group: 'sockets',
  kind: 'handshakes',
  baseline: fresh ? 'bare-verify' : 'bare',
  baselineLabel: fresh ? 'bare ws + 1 ES256 verify' : 'bare ws (ceiling)',
  units: 16,
  // Fresh: one session per handshake, with a margin over the fastest run so far; never verified before.
  sessions: fresh ? (units, lastRate, seconds) => Math.ceil(Math.max(lastRate ?? 1500, 500) * seconds * 2) + units : perUnit,
  fresh,
  note: fresh
    ? 'each handshake presents a never-verified token of a distinct session (new tokens each run, session cache dropped)'
    : 'loops reconnecting with their own token (bearer subprotocol → ready)',
  targets: [{ metric: 'cpuRatio', max: 1 / 0.9, label: 'CPU/op ≤ 1.11× (≥ 0.9× by efficiency)' }],
});

const messages = (sockets, window, targets) => ({
  name: `messages-${sockets}x${window}`,
  group: 'sockets',
  kind: 'messages',
  baseline: 'bare',
  baselineLabel: 'bare ws echo (ceiling: stores nothing)',
  units: sockets,
  window,
  sessions: perUnit,
  note: `${sockets} socket(s) × ${window} in flight, ack after commit (new sessions, so new conversations, each run)`,
  targets,
});

const http = (name, operation, targets, sessions = perUnit) => ({
  name,
  group: 'http',
  kind: 'http',
  operation,
  baseline: 'bare-http',
  baselineLabel: 'bare Fastify route',
  units: 16,
  sessions,
  note: {
    'session-start': 'POST /v1/sessions, publishable key, allowed origin',
    refresh: 'POST /v1/auth/refresh, each loop rotating its own chain',
    me: 'GET /v1/me, bearer access token',
  }[operation],
  targets,
});

export const CASES = [
  handshakes('handshakes-reconnect', { fresh: false }),
  handshakes('handshakes-fresh', { fresh: true }),
  messages(1, 1, []),
  messages(100, 1, []),
  messages(1000, 1, [
    { metric: 'cpuRatio', max: 2, label: 'CPU/msg ≤ 2× bare' },
    { metric: 'p50Ratio', max: 2, label: 'p50 ack ≤ 2× bare' },
  ]),
  messages(8, 32, [{ metric: 'rate', min: 0.6, label: 'rate ≥ 0.6× bare' }]),
  http('http-session-start', 'session-start', [{ metric: 'micros', max: 250, label: '≤ 250 µs CPU' }], () => 0),
  http('http-refresh', 'refresh', [{ metric: 'micros', max: 250, label: '≤ 250 µs CPU' }]),
  http('http-me', 'me', []),
];

export const MEMORY_CASES = [
  { name: 'memory-2k', sockets: 2_000, targets: [{ metric: 'heapRatio', max: 1.5, label: 'JS heap/socket ≤ 1.5× bare ws' }] },
  { name: 'memory-10k', sockets: 10_000, targets: [{ metric: 'heapRatio', max: 1.5, label: 'JS heap/socket ≤ 1.5× bare ws' }] },
];
