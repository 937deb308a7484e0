import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { emailCodeMail, type MailMessage } from '../../src/mail/index.js';
import { Outbox } from '../../src/mail/outbox.js';
import { deliveryError } from '../../src/mail/smtp-transport.js';
import { DeliveryError, type MailTransport } from '../../src/mail/transport.js';

const silent = pino({ level: 'silent' });
const mail = (to = 'ada@example.test'): MailMessage =>
  emailCodeMail({ tenantId: 'ten_demo', tenantName: 'Demo', to, code: '123456', minutes: 10 });

/** A transport whose deliveries wait until the test settles them. */
function manualTransport() {
  const calls: Array<{ message: MailMessage; resolve: () => void; reject: (error: Error) => void }> = [];
  let closed = false;
  const transport: MailTransport = {
    deliver: (message) => new Promise((resolve, reject) => calls.push({ message, resolve: () => resolve({ responseCode: 250 }), reject })),
    close: async () => {
      closed = true;
    },
  };
  return { transport, calls, closed: () => closed };
}

describe('the outbox', () => {
  it('refuses with UNAVAILABLE beyond its bound, and accepts again once mail went out', async () => {
    const { transport, calls } = manualTransport();
    const outbox = new Outbox({ transport, logger: silent, maxQueued: 3, concurrency: 1 });
    await outbox.send(mail('a@example.test'));
    await outbox.send(mail('b@example.test'));
    await outbox.send(mail('c@example.test'));
    expect(outbox.pending).toBe(3);
    await expect(outbox.send(mail('d@example.test'))).rejects.toMatchObject({ name: 'TesseraError', code: 'UNAVAILABLE' });
    expect(calls).toHaveLength(1); // one at a time
    calls[0].resolve();
    await new Promise((resolve) => setImmediate(resolve));
    await outbox.send(mail('d@example.test'));
    expect(outbox.pending).toBe(3);
    for (let i = 1; i < 4; i++) {
      await new Promise((resolve) => setImmediate(resolve));
      calls[i].resolve();
    }
    await outbox.close();
    expect(calls.map((call) => call.message.to)).toEqual(['a@example.test', 'b@example.test', 'c@example.test', 'd@example.test']);
  });

  it('refuses a mail to anything but one plain address, at once', async () => {
    const { transport, calls } = manualTransport();
    const outbox = new Outbox({ transport, logger: silent });
    for (const to of ['a@example.test, b@example.test', 'Ada <a@example.test>', 'a@example.test\r\nBcc: b@example.test', 'nobody', ''])
      await expect(outbox.send(mail(to))).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(outbox.send({ ...mail(), subject: 'two\r\nlines' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    expect(calls).toHaveLength(0);
    await outbox.close();
  });

  it('close() gives up waiting after its timeout, drops the rest and closes the transport', async () => {
    const { transport, calls, closed } = manualTransport();
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(line) });
    const outbox = new Outbox({ transport, logger, concurrency: 1, closeTimeoutMs: 50 });
    await outbox.send(mail('a@example.test'));
    await outbox.send(mail('b@example.test'));
    const started = Date.now();
    await outbox.close();
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
    expect(closed()).toBe(true);
    expect(calls).toHaveLength(1);
    expect(JSON.parse(lines.at(-1)!)).toMatchObject({ msg: 'mail: closed before every queued mail was sent', undelivered: 2 });
  });

  it('a failure without a DeliveryError is retried as transient', async () => {
    let attempts = 0;
    const transport: MailTransport = {
      deliver: async () => {
        attempts++;
        if (attempts < 3) throw new Error('boom');
        return { responseCode: 250 };
      },
      close: async () => {},
    };
    const outbox = new Outbox({ transport, logger: silent, retryDelaysMs: [5, 5, 5] });
    await outbox.send(mail());
    await outbox.close();
    expect(attempts).toBe(3);
  });
});

describe('SMTP failures, sorted', () => {
  it.each([
    [{ responseCode: 421, code: 'EENVELOPE' }, true],
    [{ responseCode: 451, code: 'EMESSAGE' }, true],
    [{ responseCode: 452 }, true],
    [{ responseCode: 503, code: 'EPROTOCOL' }, true],
    [{ responseCode: 550, code: 'EENVELOPE' }, false],
    [{ responseCode: 554, code: 'EMESSAGE' }, false],
    [{ responseCode: 535, code: 'EAUTH' }, false],
    [{ code: 'ECONNECTION' }, true],
    [{ code: 'ETIMEDOUT' }, true],
    [{ code: 'ESOCKET' }, true],
    [{ code: 'EDNS' }, true],
    [{ code: 'EAUTH' }, false],
    [{ code: 'ENOAUTH' }, false],
    [{ code: 'EENVELOPE' }, false],
    [{}, false],
  ])('%o → transient %s', (error, transient) => {
    const failure = deliveryError(Object.assign(new Error('x'), error));
    expect(failure).toBeInstanceOf(DeliveryError);
    expect(failure.transient).toBe(transient);
    expect(failure.responseCode).toBe((error as { responseCode?: number }).responseCode);
  });
});
