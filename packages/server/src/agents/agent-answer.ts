import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { z } from 'zod';
import { TesseraError } from '../errors.js';
import type { AgentEvent } from './agent.js';

/** What an HTTP agent's answer is read from: its content type and its body, as chunks. */
export interface AnswerSource {
  contentType: string;
  body: AsyncIterable<Buffer | string> & { setEncoding(encoding: BufferEncoding): unknown };
}

const authRequirement = z.object({
  reason: z.string().min(1).max(1000),
  methods: z.array(z.string().min(1).max(100)).max(20).optional(),
  maxAgeSeconds: z.number().int().min(0).optional(),
});
const jsonAnswer = z.union([
  z.object({ reply: z.string(), authRequired: authRequirement.optional() }),
  z.object({ authRequired: authRequirement }),
]);
const errorEvent = z.object({ message: z.string().optional() }).optional();

const MAX_AGENT_MESSAGE = 200;

/**
 * The events of an agent's answer: JSON `{reply}` / `{authRequired}`, or a `text/event-stream`
 * of `delta`, `auth_required`, `error` and `done` events (unknown events are skipped). A bad
 * content type, malformed data, an `error` event or a stream cut before `done` throws
 * AGENT_UNAVAILABLE. `maxBytes` bounds a JSON body and any one streamed event.
 */
export function readAnswer(source: AnswerSource, maxBytes: number): AsyncGenerator<AgentEvent> {
  const type = source.contentType.split(';')[0]!.trim().toLowerCase();
  if (type === 'application/json') return readJson(source, maxBytes);
  if (type === 'text/event-stream') return readEventStream(source, maxBytes);
  throw unavailable(`the agent answered with an unexpected content type (${type.slice(0, 100) || 'none'})`);
}

async function* readJson(source: AnswerSource, maxBytes: number): AsyncGenerator<AgentEvent> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of source.body) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += bytes.length;
    if (size > maxBytes) throw unavailable('the agent’s reply is too long');
    chunks.push(bytes);
  }
  const parsed = jsonAnswer.safeParse(parseJson(Buffer.concat(chunks).toString('utf8')));
  if (!parsed.success) throw unavailable('the agent’s answer is not {reply} or {authRequired}');
  const answer = parsed.data;
  if ('reply' in answer && answer.reply.length > 0) yield { type: 'delta', content: answer.reply };
  if (answer.authRequired) yield { type: 'auth_required', ...answer.authRequired };
}

async function* readEventStream(source: AnswerSource, maxBytes: number): AsyncGenerator<AgentEvent> {
  const pending: EventSourceMessage[] = [];
  let invalid: string | null = null;
  const parser = createParser({
    maxBufferSize: maxBytes,
    onEvent: (event) => pending.push(event),
    onError: (error) => {
      // An unknown field is skipped, as EventSource does; an oversized event ends the answer.
      if (error.type === 'max-buffer-size-exceeded') invalid ??= 'the agent’s reply is too long';
    },
  });
  source.body.setEncoding('utf8');
  for await (const chunk of source.body) {
    parser.feed(String(chunk));
    if (invalid) throw unavailable(invalid);
    // The deltas of one read go on as one: one trip through the relay instead of one per event.
    let content = '';
    for (const message of pending.splice(0)) {
      const event = toAgentEvent(message);
      if (event !== null && event !== 'done' && event.type === 'delta') {
        content += event.content;
        continue;
      }
      if (content.length > 0) yield { type: 'delta', content };
      content = '';
      if (event === 'done') return;
      if (event) yield event;
    }
    if (content.length > 0) yield { type: 'delta', content };
  }
  throw unavailable('the agent’s event stream ended before its done event');
}

/** The agent event an SSE event stands for; 'done' at the end; null for an event to skip. */
function toAgentEvent(message: EventSourceMessage): AgentEvent | 'done' | null {
  switch (message.event) {
    case 'delta': {
      // Checked by hand, not by schema: this runs for every token the agent streams.
      const content = (parseJson(message.data) as { content?: unknown } | null)?.content;
      if (typeof content !== 'string') throw unavailable('the agent sent a malformed delta event');
      return { type: 'delta', content };
    }
    case 'auth_required': {
      const parsed = authRequirement.safeParse(parseJson(message.data));
      if (!parsed.success) throw unavailable('the agent sent a malformed auth_required event');
      return { type: 'auth_required', ...parsed.data };
    }
    case 'error': {
      const parsed = errorEvent.safeParse(message.data.trim() === '' ? undefined : parseJson(message.data));
      const said = parsed.success ? parsed.data?.message : undefined;
      throw unavailable(said ? `the agent failed: ${said.slice(0, MAX_AGENT_MESSAGE)}` : 'the agent failed');
    }
    case 'done':
      return 'done';
    default:
      return null;
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw unavailable('the agent’s answer is not valid JSON');
  }
}

function unavailable(message: string): TesseraError {
  return new TesseraError('AGENT_UNAVAILABLE', message);
}
