import fc from 'fast-check';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { webhookHeaders, webhookSignature } from '../../src/agents/turn-request.js';
import { newSigningSecret } from '../../src/tenancy/agent-secrets.js';

describe('webhook signatures (Standard Webhooks v1, node:crypto HMAC)', () => {
  it('are exactly what the standardwebhooks package signs, for any id, time and body', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 40 }),
        fc.integer({ min: 0, max: 4_000_000_000 }),
        fc.string(),
        (id, seconds, body) => {
          const secret = newSigningSecret();
          expect(webhookSignature(secret, id, seconds, body)).toBe(new Webhook(secret).sign(id, new Date(seconds * 1000), body));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('verify with the package for each live secret of a rotation, and not once the body or time is altered', () => {
    const [older, newer] = [newSigningSecret(), newSigningSecret()];
    const now = Date.now();
    const body = JSON.stringify({ type: 'turn', message: { content: 'hello' } });
    const headers = webhookHeaders('turn_1', now, body, [newer, older]);
    for (const secret of [older, newer]) expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
    expect(() => new Webhook(newer).verify(body.replace('hello', 'hullo'), headers)).toThrow();
    expect(() => new Webhook(newer).verify(body, { ...headers, 'webhook-timestamp': String(Math.floor(now / 1000) + 1) })).toThrow();
    expect(() => new Webhook(newSigningSecret()).verify(body, headers)).toThrow();
  });
});
