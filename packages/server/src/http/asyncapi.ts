import { BEARER_PROTOCOL_PREFIX, MAX_FRAME_BYTES, SUBPROTOCOL } from '@tessera/protocol';
import { z } from 'zod';
import { clientFrameSchema } from '../edge/client-frame-schemas.js';
import { referenceSchemas } from '../edge/schema-registry.js';
import { serverFrameSchema } from '../edge/server-frame-schemas.js';
import { closeCodesTable, describeCloseCodes } from './close-code-table.js';

type Frames = typeof clientFrameSchema | typeof serverFrameSchema;
type JsonSchema = Record<string, unknown>;
type Side = { prefix: 'client' | 'server'; frames: Frames; io: 'input' | 'output' };

const SIDES: Side[] = [
  { prefix: 'client', frames: clientFrameSchema, io: 'input' },
  { prefix: 'server', frames: serverFrameSchema, io: 'output' },
];
const CHANNEL = 'chat';

/**
 * The AsyncAPI 3.0 document of the socket at `/v1/ws`, made from the zod schemas the gateway
 * parses client frames with (and that describe, type-checked, the frames it sends): one message
 * per frame `type` each way, payloads as JSON Schema, models as `components.schemas`.
 */
export function asyncApiDocument(publicUrl: string): { asyncapi: '3.0.0'; [key: string]: unknown } {
  const schemas: Record<string, JsonSchema> = {};
  const messages: Record<string, JsonSchema> = {};
  const refs: Record<Side['prefix'], string[]> = { client: [], server: [] };
  for (const side of SIDES) {
    for (const [type, members] of framesByType(side.frames)) {
      const name = `${side.prefix}.${type}`;
      const notes = members.map((member) => member.description).filter((text): text is string => Boolean(text));
      messages[name] = {
        name: type,
        title: `${side.prefix === 'client' ? 'Client → server' : 'Server → client'}: ${type}`,
        summary: notes.length === 1 ? notes[0] : `${type}: one of ${members.length} forms`,
        ...(notes.length > 1 ? { description: notes.map((note) => `- ${note}`).join('\n') } : {}),
        payload: payloadOf(members, side.io, schemas),
      };
      refs[side.prefix].push(name);
    }
  }
  const url = new URL(publicUrl);
  return {
    asyncapi: '3.0.0' as const,
    info: {
      title: 'Tessera chat socket',
      version: 'v1',
      description: `The real-time channel of a chat: JSON text frames both ways. The HTTP API is in \`/openapi.json\`.`,
    },
    defaultContentType: 'application/json',
    servers: {
      tessera: { host: url.host, protocol: url.protocol === 'https:' ? 'wss' : 'ws', description: 'This deployment' },
    },
    channels: {
      [CHANNEL]: {
        address: '/v1/ws',
        title: 'The chat socket',
        description: channelDescription(),
        messages: Object.fromEntries([...refs.client, ...refs.server].map((name) => [name, { $ref: `#/components/messages/${name}` }])),
        bindings: {
          ws: {
            bindingVersion: '0.1.0',
            method: 'GET',
            query: {
              type: 'object',
              properties: {
                token: { type: 'string', description: 'An access token (prefer the subprotocol)' },
                init: { type: 'string', description: "A partner's init token" },
                key: { type: 'string', description: 'A publishable key, `pk_...`: starts an anonymous session' },
              },
            },
          },
        },
        'x-close-codes': closeCodesTable(),
      },
    },
    operations: {
      receiveClientFrames: operation('receive', 'What a client sends', refs.client),
      sendServerFrames: operation('send', 'What the server sends', refs.server),
    },
    components: { messages, schemas },
  };
}

function operation(action: 'send' | 'receive', title: string, names: string[]): JsonSchema {
  return {
    action,
    title,
    channel: { $ref: `#/channels/${CHANNEL}` },
    messages: names.map((name) => ({ $ref: `#/channels/${CHANNEL}/messages/${name}` })),
  };
}

/** The members of a union of frames, by their `type`, in the union's order. */
export function framesByType(frames: Frames): Map<string, z.ZodObject[]> {
  const byType = new Map<string, z.ZodObject[]>();
  for (const member of frames.options as readonly z.ZodObject[]) {
    const type = String((member.shape.type as z.ZodLiteral).value);
    byType.set(type, [...(byType.get(type) ?? []), member]);
  }
  return byType;
}

/** A frame type's payload as JSON Schema; the named models it uses go into `schemas`. */
function payloadOf(members: z.ZodObject[], io: Side['io'], schemas: Record<string, JsonSchema>): JsonSchema {
  const schema = members.length === 1 ? members[0] : z.union(members);
  const {
    $defs,
    $schema: _,
    ...payload
  } = z.toJSONSchema(schema, {
    target: 'draft-7',
    io,
    metadata: referenceSchemas,
    unrepresentable: 'any',
    reused: 'inline',
  }) as JsonSchema & { $defs?: Record<string, JsonSchema>; definitions?: Record<string, JsonSchema> };
  const found = { ...($defs ?? (payload as { definitions?: Record<string, JsonSchema> }).definitions ?? {}) };
  delete (payload as { definitions?: unknown }).definitions;
  const rewrite = <T>(value: T): T =>
    JSON.parse(JSON.stringify(value).replace(/"#\/(?:\$defs|definitions)\/([^"]+)"/g, '"#/components/schemas/$1"'));
  for (const [id, definition] of Object.entries(found)) {
    const { id: _id, ...rest } = rewrite(definition);
    schemas[id] = rest;
  }
  return rewrite(payload);
}

function channelDescription(): string {
  return [
    'Authentication happens in the handshake, never after it, by one of:',
    `- the access token as a subprotocol: \`new WebSocket(url, ["${SUBPROTOCOL}", "${BEARER_PROTOCOL_PREFIX}" + token])\` (preferred);`,
    '- `?token=<access token>`;',
    "- `?init=<partner init token>` (only from that partner's allowed origins): starts a session, sent as the first frame;",
    '- `?key=pk_...` with no token: starts a new anonymous session, sent as the first frame (`session`).',
    '',
    `The \`Origin\` must be an allowed origin of the tenant (or partner), else the upgrade is refused with 403. A client frame is at most ${MAX_FRAME_BYTES} bytes of JSON text.`,
    '',
    describeCloseCodes(),
  ].join('\n');
}
