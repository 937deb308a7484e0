import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMailer, emailCodeMail, magicLinkMail, type Mailer } from '../../src/mail/index.js';
import { recipientHash } from '../../src/mail/log-fields.js';
import { startSmtpTestServer, type SmtpTestServer } from '../support/smtp-test-server.js';

const FAST_RETRIES = [20, 40, 80];
const FROM = 'Lumen & Oak <no-reply@shop.test>';

/** A pino logger whose every line the test can read. */
function capturedLogger() {
  const lines: string[] = [];
  const logger = pino({ level: 'trace' }, { write: (line: string) => lines.push(line) });
  return { logger, text: () => lines.join(''), entries: () => lines.map((line) => JSON.parse(line) as Record<string, any>) };
}

const codeMail = (to = 'ada@example.test', code = '493817') =>
  emailCodeMail({ tenantId: 'ten_demo', tenantName: 'Lumen & Oak', to, code, minutes: 10 });

const waitFor = async (condition: () => boolean, timeoutMs = 3_000) => {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};

let smtp: SmtpTestServer;
let mailer: Mailer;
let log: ReturnType<typeof capturedLogger>;

beforeEach(async () => {
  smtp = await startSmtpTestServer();
  log = capturedLogger();
  mailer = createMailer({ smtpUrl: smtp.url, mailFrom: FROM, mailboxDir: null, logger: log.logger, retryDelaysMs: FAST_RETRIES });
});

afterEach(async () => {
  await mailer.close();
  await smtp.stop();
});

describe('mail over SMTP', () => {
  it('delivers a code with its text and HTML bodies, from TESSERA_MAIL_FROM', async () => {
    expect(mailer.available).toBe(true);
    await mailer.send(codeMail());
    const mail = await smtp.nextMail({ to: 'ada@example.test' });
    expect(mail.envelopeFrom).toBe('no-reply@shop.test');
    expect(mail.envelopeTo).toEqual(['ada@example.test']);
    expect(mail.from).toContain('<no-reply@shop.test>');
    expect(mail.from).toContain('Lumen & Oak');
    expect(mail.to).toBe('ada@example.test');
    expect(mail.subject).toBe('493817 is your code for Lumen & Oak');
    expect(mail.text).toContain('    493817');
    expect(mail.text).toContain('— Lumen & Oak');
    expect(mail.html).toMatch(/<p style="[^"]*">493817<\/p>/);
    expect(mail.headers['content-type']).toMatch(/^multipart\/alternative/);
    expect(mail.headers['auto-submitted']).toBe('auto-generated');
  });

  it('logs in when the URL carries a user and password', async () => {
    const guarded = await startSmtpTestServer({ auth: { user: 'tessera', pass: 's3cret:pass' } });
    const withLogin = createMailer({
      smtpUrl: guarded.url,
      mailFrom: FROM,
      mailboxDir: null,
      logger: log.logger,
      retryDelaysMs: FAST_RETRIES,
    });
    try {
      const url = 'https://auth.example.test/v1/auth/magic?token=MAGICtoken123';
      await withLogin.send(magicLinkMail({ tenantId: 'ten_demo', tenantName: 'Lumen & Oak', to: 'bob@example.test', url, minutes: 15 }));
      const mail = await guarded.nextMail({ to: 'bob@example.test' });
      expect(mail.text).toContain(url);
      expect(mail.html).toContain(`href="${url}"`);
    } finally {
      await withLogin.close();
      await guarded.stop();
    }
  });

  it('retries a transient refusal (451) and delivers', async () => {
    smtp.rejectNext(2, 451);
    await mailer.send(codeMail());
    const mail = await smtp.nextMail({ timeoutMs: 5_000 });
    expect(mail.text).toContain('493817');
    expect(smtp.attempts).toBe(3);
    await mailer.close(); // the client has its answer, and has logged it
    const failures = log.entries().filter((entry) => entry.msg === 'mail: delivery failed, will retry');
    expect(failures.map((entry) => [entry.attempt, entry.responseCode, entry.retryInMs])).toEqual([
      [1, 451, 20],
      [2, 451, 40],
    ]);
    expect(log.entries().find((entry) => entry.msg === 'mail: delivered')).toMatchObject({ attempt: 3, responseCode: 250 });
  });

  it('gives up after four attempts when the refusals go on', async () => {
    smtp.rejectNext(10, 451);
    await mailer.send(codeMail());
    await mailer.close();
    expect(smtp.attempts).toBe(4);
    expect(smtp.mails).toHaveLength(0);
    expect(log.entries().find((entry) => entry.msg === 'mail: not delivered, giving up')).toMatchObject({
      attempt: 4,
      responseCode: 451,
      permanent: false,
    });
  });

  it('does not retry a permanent refusal (550)', async () => {
    smtp.rejectNext(1, 550);
    await mailer.send(codeMail());
    await mailer.close(); // would wait for the retries, were there any
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(smtp.attempts).toBe(1);
    expect(smtp.mails).toHaveLength(0);
    const warnings = log.entries().filter((entry) => entry.level === 40);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ msg: 'mail: not delivered, giving up', attempt: 1, responseCode: 550, permanent: true });
  });

  it('retries when the server cannot be reached', async () => {
    const gone = await startSmtpTestServer();
    const url = gone.url;
    await gone.stop();
    const unreachable = createMailer({ smtpUrl: url, mailFrom: FROM, mailboxDir: null, logger: log.logger, retryDelaysMs: FAST_RETRIES });
    await unreachable.send(codeMail());
    await unreachable.close();
    const attempts = log.entries().filter((entry) => entry.attempt !== undefined);
    expect(attempts.map((entry) => entry.attempt)).toEqual([1, 2, 3, 4]);
    expect(attempts[3]).toMatchObject({ msg: 'mail: not delivered, giving up', permanent: false });
    expect(attempts[0].errorCode).toMatch(/^E[A-Z]+$/);
  });

  it('returns from send before the mail is delivered: a slow server does not hold the caller', async () => {
    smtp.pause();
    const started = Date.now();
    await mailer.send(codeMail());
    expect(Date.now() - started).toBeLessThan(500);
    await waitFor(() => smtp.attempts === 1); // the server has the mail and holds its answer
    expect(smtp.mails).toHaveLength(0);
    await mailer.send(codeMail('bob@example.test', '111222'));
    smtp.resume();
    expect((await smtp.nextMail({ to: 'ada@example.test' })).text).toContain('493817');
    expect((await smtp.nextMail({ to: 'bob@example.test' })).text).toContain('111222');
  });

  it('close() sends what is queued before it resolves', async () => {
    smtp.pause();
    for (const n of [1, 2, 3, 4, 5]) await mailer.send(codeMail(`user${n}@example.test`, `00000${n}`));
    let closed = false;
    const closing = mailer.close().then(() => (closed = true));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(closed).toBe(false);
    smtp.resume();
    await closing;
    expect(smtp.mails.map((mail) => mail.envelopeTo[0]).sort()).toEqual([1, 2, 3, 4, 5].map((n) => `user${n}@example.test`));
    await expect(mailer.send(codeMail())).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });

  it('never logs a code, a link, a subject or an address', async () => {
    const code = '758392';
    const url = 'https://auth.example.test/v1/auth/magic?token=MAGICtoken456';
    smtp.rejectNext(1, 451);
    await mailer.send(codeMail('carol@example.test', code));
    await smtp.nextMail({ to: 'carol@example.test' });
    smtp.rejectNext(1, 550);
    await mailer.send(magicLinkMail({ tenantId: 'ten_demo', tenantName: 'Lumen & Oak', to: 'dave@example.test', url, minutes: 15 }));
    await mailer.close();

    const text = log.text();
    expect(log.entries().length).toBeGreaterThanOrEqual(3);
    for (const secret of [code, 'MAGICtoken456', 'auth.example.test', 'is your code', 'Sign in to', 'carol@', 'dave@', 'example.test'])
      expect(text).not.toContain(secret);
    expect(text).toContain(recipientHash('carol@example.test'));
    expect(text).toContain(recipientHash('dave@example.test'));
    expect(text).toContain('"kind":"magic_link"');
    expect(text).toContain('"tenantId":"ten_demo"');
  });
});
