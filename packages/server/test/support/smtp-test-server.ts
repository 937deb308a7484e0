import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';

/** A mail as the test SMTP server received it, decoded enough to read codes and links. */
export interface ReceivedMail {
  /** Envelope sender and recipients. */
  envelopeFrom: string;
  envelopeTo: string[];
  /** Headers, names lower-cased, values unfolded and decoded (RFC 2047). */
  headers: Record<string, string>;
  from: string;
  to: string;
  subject: string;
  /** The text/plain and text/html parts, transfer-decoded ('' when missing). */
  text: string;
  html: string;
  /** The whole message as it came over the wire. */
  raw: string;
}

export interface SmtpTestServer {
  /** `smtp://127.0.0.1:PORT`, or with `user:pass@` when the server requires a login. */
  url: string;
  port: number;
  /** Every mail accepted so far, in order. */
  readonly mails: ReceivedMail[];
  /** Deliveries tried so far (accepted, rejected, or held). */
  readonly attempts: number;
  /** The next mail (to `to`, if given) not yet returned by nextMail; waits for it up to `timeoutMs`. */
  nextMail(options?: { to?: string; timeoutMs?: number }): Promise<ReceivedMail>;
  /** Answers the next `count` deliveries with `code` (451: try later; 550: refused for good). */
  rejectNext(count: number, code: 451 | 550): void;
  /** Holds every delivery (the client waits for the server's reply) until `resume()`. */
  pause(): void;
  resume(): void;
  stop(): Promise<void>;
}

export interface SmtpTestServerOptions {
  /** Require this login (AUTH PLAIN/LOGIN, over plain text: it is a test). */
  auth?: { user: string; pass: string };
}

/** A real SMTP server (smtp-server) on 127.0.0.1, a random port, no TLS. */
export async function startSmtpTestServer(options: SmtpTestServerOptions = {}): Promise<SmtpTestServer> {
  const mails: ReceivedMail[] = [];
  const returned = new Set<ReceivedMail>();
  const waiters = new Set<() => void>();
  let attempts = 0;
  let rejections: { count: number; code: number } = { count: 0, code: 451 };
  let gate: { promise: Promise<void>; open: () => void } | null = null;

  const server = new SMTPServer({
    secure: false,
    disabledCommands: options.auth ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
    authOptional: !options.auth,
    allowInsecureAuth: true,
    logger: false,
    closeTimeout: 200,
    onAuth(auth, _session, callback) {
      const ok = options.auth && auth.username === options.auth.user && auth.password === options.auth.pass;
      if (ok) callback(null, { user: auth.username });
      else callback(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
    },
    onData(stream: SMTPServerDataStream, session: SMTPServerSession, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', async () => {
        attempts++;
        if (gate) await gate.promise;
        if (rejections.count > 0) {
          rejections = { ...rejections, count: rejections.count - 1 };
          const message = rejections.code >= 500 ? 'Mailbox unavailable' : 'Try again later';
          return callback(Object.assign(new Error(message), { responseCode: rejections.code }));
        }
        mails.push(parseMail(Buffer.concat(chunks).toString('utf8'), session));
        for (const wake of [...waiters]) wake();
        callback(null);
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.server.address() as AddressInfo).port;
  const login = options.auth ? `${encodeURIComponent(options.auth.user)}:${encodeURIComponent(options.auth.pass)}@` : '';

  const find = (to?: string) => mails.find((mail) => !returned.has(mail) && (!to || mail.envelopeTo.includes(to.toLowerCase())));
  return {
    url: `smtp://${login}127.0.0.1:${port}`,
    port,
    mails,
    get attempts() {
      return attempts;
    },
    nextMail({ to, timeoutMs = 5_000 } = {}) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const mail = find(to);
          if (!mail) return false;
          returned.add(mail);
          waiters.delete(check);
          clearTimeout(timer);
          resolve(mail);
          return true;
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no mail${to ? ` to ${to}` : ''} within ${timeoutMs} ms (${mails.length} received)`));
        }, timeoutMs);
        if (!check()) waiters.add(check);
      });
    },
    rejectNext(count, code) {
      rejections = { count, code };
    },
    pause() {
      if (gate) return;
      let open = () => {};
      const promise = new Promise<void>((resolve) => (open = resolve));
      gate = { promise, open };
    },
    resume() {
      gate?.open();
      gate = null;
    },
    async stop() {
      gate?.open();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Just enough MIME: headers, multipart/* recursively, quoted-printable and base64, RFC 2047 words. */
export function parseMail(raw: string, session?: SMTPServerSession): ReceivedMail {
  const { headers, body } = splitEntity(raw);
  const parts = { text: '', html: '' };
  collectParts(headers, body, parts);
  const envelope = session?.envelope;
  return {
    envelopeFrom: envelope?.mailFrom ? envelope.mailFrom.address : '',
    envelopeTo: envelope ? envelope.rcptTo.map((rcpt) => rcpt.address.toLowerCase()) : [],
    headers,
    from: headers.from ?? '',
    to: headers.to ?? '',
    subject: headers.subject ?? '',
    ...parts,
    raw,
  };
}

function splitEntity(entity: string): { headers: Record<string, string>; body: string } {
  const match = /\r?\n\r?\n/.exec(entity);
  const head = match ? entity.slice(0, match.index) : entity;
  const body = match ? entity.slice(match.index + match[0].length) : '';
  const headers: Record<string, string> = {};
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = decodeWords(line.slice(colon + 1).trim());
  }
  return { headers, body };
}

function collectParts(headers: Record<string, string>, body: string, into: { text: string; html: string }): void {
  const type = (headers['content-type'] ?? 'text/plain').toLowerCase();
  if (type.startsWith('multipart/')) {
    const boundary = /boundary="?([^";]+)"?/i.exec(headers['content-type'] ?? '')?.[1];
    if (!boundary) return;
    const sections = body.split(`--${boundary}`).slice(1);
    for (const section of sections) {
      if (section.startsWith('--')) break;
      const part = splitEntity(section.replace(/^\r?\n/, ''));
      collectParts(part.headers, part.body, into);
    }
    return;
  }
  const decoded = decodeBody(body, headers['content-transfer-encoding'] ?? '7bit');
  if (type.startsWith('text/html') && !into.html) into.html = decoded;
  else if (type.startsWith('text/plain') && !into.text) into.text = decoded;
}

function decodeBody(body: string, encoding: string): string {
  switch (encoding.toLowerCase()) {
    case 'base64':
      return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
    case 'quoted-printable':
      return decodeQuotedPrintable(body.replace(/=\r?\n/g, ''));
    default:
      return body;
  }
}

function decodeQuotedPrintable(value: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < value.length; i++) {
    if (value[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(value.slice(i + 1, i + 3))) {
      bytes.push(Number.parseInt(value.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(value[i], 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** `=?UTF-8?Q?…?=` and `=?UTF-8?B?…?=` (adjacent words joined, as RFC 2047 says). */
function decodeWords(value: string): string {
  return value
    .replace(/(\?=)\s+(=\?)/g, '$1$2')
    .replace(/=\?([^?]+)\?([QqBb])\?([^?]*)\?=/g, (_word, _charset: string, kind: string, text: string) =>
      kind.toUpperCase() === 'B' ? Buffer.from(text, 'base64').toString('utf8') : decodeQuotedPrintable(text.replace(/_/g, ' ')),
    );
}
