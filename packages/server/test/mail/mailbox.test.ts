import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { TesseraError } from '../../src/errors.js';
import { createMailer, emailCodeMail, type MailMessage } from '../../src/mail/index.js';
import { Mailbox, MAILBOX_LIMIT, mailboxOf } from '../../src/mail/mailbox.js';

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-mailbox-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const silent = pino({ level: 'silent' });
const mail = (n: number): MailMessage =>
  emailCodeMail({ tenantId: 'ten_demo', tenantName: 'Demo', to: `user${n}@example.test`, code: String(100000 + n), minutes: 10 });

/** A clock the test moves. */
const steppedClock = (start = Date.UTC(2026, 0, 1)) => {
  let now = start;
  return { now: () => now, step: (ms = 1000) => (now += ms) };
};

describe('the demo mailbox', () => {
  it('keeps each mail as a private JSON file and lists them newest first', async () => {
    const dir = join(tempDir(), 'data', 'mailbox');
    const clock = steppedClock();
    const mailbox = new Mailbox(dir, { clock });
    const first = await mailbox.write(mail(1));
    clock.step();
    await mailbox.write(mail(2));
    await mailbox.write(mail(3)); // the same millisecond: still after mail 2

    expect(statSync(dir).mode & 0o777).toBe(0o700);
    const files = readdirSync(dir);
    expect(files).toHaveLength(3);
    for (const file of files) expect(statSync(join(dir, file)).mode & 0o777).toBe(0o600);

    const listed = await mailbox.list();
    expect(listed.map((entry) => entry.to)).toEqual(['user3@example.test', 'user2@example.test', 'user1@example.test']);
    expect(listed[2]).toEqual({
      id: first.id,
      at: Date.UTC(2026, 0, 1),
      to: 'user1@example.test',
      subject: '100001 is your code for Demo',
      text: mail(1).text,
      html: mail(1).html,
      kind: 'email_code',
    });
    expect(Object.keys(listed[0]).sort()).toEqual(['at', 'html', 'id', 'kind', 'subject', 'text', 'to']);
  });

  it('is empty before the first mail', async () => {
    expect(await new Mailbox(join(tempDir(), 'never-written')).list()).toEqual([]);
  });

  it(`keeps the newest ${MAILBOX_LIMIT} mails and deletes older ones`, async () => {
    expect(MAILBOX_LIMIT).toBe(200);
    const dir = tempDir();
    const clock = steppedClock();
    const mailbox = new Mailbox(dir, { clock });
    for (let n = 1; n <= MAILBOX_LIMIT + 5; n++) {
      await mailbox.write(mail(n));
      clock.step();
    }
    const listed = await mailbox.list();
    expect(listed).toHaveLength(MAILBOX_LIMIT);
    expect(listed[0].to).toBe(`user${MAILBOX_LIMIT + 5}@example.test`);
    expect(listed.at(-1)!.to).toBe('user6@example.test');
    expect(readdirSync(dir)).toHaveLength(MAILBOX_LIMIT);
  });

  it('a smaller limit is kept too', async () => {
    const mailbox = new Mailbox(tempDir(), { limit: 3, clock: steppedClock() });
    for (let n = 1; n <= 7; n++) await mailbox.write(mail(n));
    expect((await mailbox.list()).map((entry) => entry.to)).toEqual(['user7@example.test', 'user6@example.test', 'user5@example.test']);
  });
});

describe('createMailer', () => {
  it('without SMTP but with a mailbox directory: keeps the mail there, at once', async () => {
    const dir = join(tempDir(), 'mailbox');
    const mailer = createMailer({ mailFrom: 'Demo <no-reply@localhost>', mailboxDir: dir, logger: silent });
    expect(mailer.available).toBe(true);
    await mailer.send(mail(1));
    const mailbox = mailboxOf(mailer);
    expect(mailbox?.dir).toBe(dir);
    expect((await mailbox!.list()).map((entry) => entry.subject)).toEqual(['100001 is your code for Demo']);
    await expect(mailer.send({ ...mail(2), to: 'a@example.test, b@example.test' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await mailer.close();
  });

  it('without SMTP or mailbox: not available, and send refuses with UNAVAILABLE', async () => {
    const mailer = createMailer({ mailFrom: 'Demo <no-reply@localhost>', mailboxDir: null, logger: silent });
    expect(mailer.available).toBe(false);
    expect(mailboxOf(mailer)).toBeNull();
    const refusal = await mailer.send(mail(1)).then(
      () => null,
      (error: unknown) => error,
    );
    expect(refusal).toBeInstanceOf(TesseraError);
    expect(refusal).toMatchObject({ code: 'UNAVAILABLE', message: 'this server cannot send mail: set TESSERA_SMTP_URL', httpStatus: 503 });
    await mailer.close();
  });

  it('with SMTP: the outbox, never the mailbox', async () => {
    const mailer = createMailer({
      smtpUrl: 'smtp://127.0.0.1:1',
      mailFrom: 'Demo <no-reply@localhost>',
      mailboxDir: tempDir(),
      logger: silent,
    });
    expect(mailer.available).toBe(true);
    expect(mailboxOf(mailer)).toBeNull();
    await mailer.close();
  });
});
