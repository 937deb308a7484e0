import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from 'pino';
import { type Dispatcher, request, Agent as UndiciAgent } from 'undici';
import type { Clock } from '../clock.js';
import { isTesseraError, TesseraError } from '../errors.js';
import type { Tenant } from '../store/index.js';
import { type AgentSettings, agentSettingsOf } from '../tenancy/index.js';
import type { Agent, AgentEvent, AgentTurn } from './agent.js';
import { readAnswer } from './agent-answer.js';
import type { CircuitBreaker, CircuitPass } from './circuit-breaker.js';
import { failureCode, isConnectionFailure, isTimeout } from './transport-failure.js';
import { turnPayload, webhookHeaders } from './turn-request.js';

export interface HttpAgentsDeps {
  clock: Clock;
  logger: Logger;
  /** The plaintext secrets that sign a tenant's requests now (see tenancy/agent-secrets.ts). */
  secrets: { signing(tenantId: string): Promise<string[]> };
  breaker: CircuitBreaker;
  /** The pause before the one retry of a turn (connection failure, or a 5xx before any body). */
  retryDelayMs?: number;
}

type Failure = Extract<AgentEvent, { type: 'error' }>;

const DEFAULT_RETRY_DELAY_MS = 200;
/** How long an idle pooled connection is kept when the agent's server gives no `keep-alive: timeout`. */
const KEEP_ALIVE_MS = 10_000;
/** Bytes of a JSON answer (or of one streamed event) per character of the longest allowed reply. */
const BYTES_PER_REPLY_CHAR = 6;
const ANSWER_SLACK_BYTES = 64 * 1024;

/**
 * Agents that are HTTP backends (Standard Webhooks): each turn is POSTed, signed, to the tenant's
 * `agent.url`, and the answer (JSON or an event stream) is relayed as agent events. Connections
 * are pooled (undici, keep-alive); the connect, first-byte and between-chunks timeouts are the
 * tenant's; a stop or the turn's timeout closes the request. A connection failure or a 5xx before
 * any body is retried once with the same `webhook-id`; each tenant has its own circuit breaker.
 * Neither the body, nor a secret, nor the tool token is ever logged.
 */
export class HttpAgents {
  /** One pool per connect timeout (undici sets it per dispatcher); every tenant's origin pooled in it. */
  private readonly dispatchers = new Map<number, UndiciAgent>();

  constructor(private readonly deps: HttpAgentsDeps) {}

  /** The agent of a tenant whose `agent.url` is set. */
  agentFor(tenant: Tenant): Agent {
    return { readsHistory: true, reply: (turn, signal) => this.reply(tenant, turn, signal) };
  }

  /** Closes the pooled connections. */
  async close(): Promise<void> {
    const pools = [...this.dispatchers.values()];
    this.dispatchers.clear();
    await Promise.all(pools.map((pool) => pool.destroy()));
  }

  private async *reply(tenant: Tenant, turn: AgentTurn, signal: AbortSignal): AsyncGenerator<AgentEvent> {
    const settings = agentSettingsOf(tenant);
    const { url } = settings;
    if (url === null) {
      yield { type: 'error', code: 'AGENT_UNAVAILABLE', message: 'no agent is configured' };
      return;
    }
    // Reading the history is our own work: should it fail, that is thrown, and not held against the agent.
    const body = JSON.stringify(await turnPayload(turn));
    const pass = this.deps.breaker.pass(tenant.id);
    if (!pass) {
      yield { type: 'error', code: 'AGENT_UNAVAILABLE', message: 'the agent keeps failing; calls to it are paused for a moment' };
      return;
    }
    let response: Dispatcher.ResponseData | null = null;
    try {
      response = await this.send(tenant, { ...settings, url }, turn.turnId, body, signal);
      const contentType = headerOf(response.headers, 'content-type');
      yield* readAnswer({ contentType, body: response.body }, settings.maxReplyChars * BYTES_PER_REPLY_CHAR + ANSWER_SLACK_BYTES);
      pass.succeeded();
    } catch (error) {
      const failure = this.failureOf(error, signal, pass, tenant, turn);
      if (failure) yield failure;
    } finally {
      // An answer not read to its end is cut off: the agent sees its request closed.
      if (response && !response.body.readableEnded) response.body.destroy();
      // Stopped (a stop frame, the turn's timeout, a reply cut off): neither a success nor a failure.
      pass.abandoned();
    }
  }

  /** Sends the turn; once more, with fresh signatures, after a connection failure or a 5xx before any body. */
  private async send(
    tenant: Tenant,
    settings: AgentSettings & { url: string },
    turnId: string,
    body: string,
    signal: AbortSignal,
  ): Promise<Dispatcher.ResponseData> {
    for (let attempt = 1; ; attempt++) {
      const secrets = await this.deps.secrets.signing(tenant.id);
      if (secrets.length === 0) {
        // An admin makes one with POST /v1/settings/agent/rotate-secret; nothing goes out unsigned.
        throw new TesseraError('AGENT_UNAVAILABLE', 'the agent is not set up yet (it has no signing secret)');
      }
      let response: Dispatcher.ResponseData;
      try {
        response = await request(settings.url, {
          method: 'POST',
          dispatcher: this.dispatcherFor(settings.connectTimeoutMs),
          headers: {
            ...webhookHeaders(turnId, this.deps.clock.now(), body, secrets),
            accept: 'text/event-stream, application/json',
            'content-type': 'application/json',
          },
          body,
          signal,
          headersTimeout: settings.firstByteTimeoutMs,
          bodyTimeout: settings.idleTimeoutMs,
        });
      } catch (error) {
        if (attempt > 1 || signal.aborted || !isConnectionFailure(error)) throw error;
        this.logRetry(tenant, turnId, failureCode(error));
        await delay(this.deps.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS, undefined, { signal });
        continue;
      }
      // Errors of the body surface where it is read; none may go unheard once it is let go.
      response.body.on('error', () => undefined);
      if (response.statusCode >= 200 && response.statusCode < 300) return response;
      // Not a byte of the body is read: an error page is nobody's business, and the socket is let go.
      response.body.destroy();
      if (response.statusCode >= 500 && attempt === 1) {
        this.logRetry(tenant, turnId, `HTTP ${response.statusCode}`);
        await delay(this.deps.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS, undefined, { signal });
        continue;
      }
      throw new TesseraError('AGENT_UNAVAILABLE', `the agent answered HTTP ${response.statusCode}`);
    }
  }

  /** The error event for a failed turn (the breaker told), or null when the caller stopped it. */
  private failureOf(error: unknown, signal: AbortSignal, pass: CircuitPass, tenant: Tenant, turn: AgentTurn): Failure | null {
    if (signal.aborted) return null;
    const failure: Failure = isTimeout(error)
      ? { type: 'error', code: 'AGENT_TIMEOUT', message: 'the agent did not answer in time' }
      : isTesseraError(error) && (error.code === 'AGENT_UNAVAILABLE' || error.code === 'AGENT_TIMEOUT')
        ? { type: 'error', code: error.code, message: error.message }
        : { type: 'error', code: 'AGENT_UNAVAILABLE', message: 'the agent could not be reached' };
    pass.failed();
    this.deps.logger.warn(
      { tenantId: tenant.id, turnId: turn.turnId, code: failure.code, cause: failureCode(error), reason: failure.message },
      'agent call failed',
    );
    return failure;
  }

  private logRetry(tenant: Tenant, turnId: string, cause: string): void {
    this.deps.logger.info({ tenantId: tenant.id, turnId, cause }, 'agent call failed before any answer; retrying once');
  }

  private dispatcherFor(connectTimeoutMs: number): UndiciAgent {
    let pool = this.dispatchers.get(connectTimeoutMs);
    if (!pool) {
      pool = new UndiciAgent({ connect: { timeout: connectTimeoutMs }, keepAliveTimeout: KEEP_ALIVE_MS });
      this.dispatchers.set(connectTimeoutMs, pool);
    }
    return pool;
  }
}

function headerOf(headers: Dispatcher.ResponseData['headers'], name: string): string {
  const value = headers[name];
  return (Array.isArray(value) ? value[0] : value) ?? '';
}
