import { type SmtpTestServer, startSmtpTestServer } from '../support/smtp-test-server.js';
import { type ManualClock, startTestServer, type TestServer } from '../support/test-server.js';

/** A server whose mail goes to a real SMTP server in this process. */
export async function startMailServer(options: { clock?: ManualClock } = {}): Promise<{ server: TestServer; smtp: SmtpTestServer }> {
  const smtp = await startSmtpTestServer();
  // Trusts X-Forwarded-For from this machine: a test can be many addresses (an attacker with a botnet).
  const server = await startTestServer({
    config: { smtpUrl: smtp.url, trustProxy: ['127.0.0.1'], ...(options.clock ? { clock: options.clock } : {}) },
  });
  return { server, smtp };
}

/** The six digits of a code mail. */
export const codeIn = (text: string) => /\b(\d{6})\b/.exec(text)?.[1] ?? '';

/** The first link of a mail (its text body) pointing at the server. */
export const linkIn = (text: string) => /(https?:\/\/\S+)/.exec(text)?.[1] ?? '';
