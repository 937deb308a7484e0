import { fileURLToPath } from 'node:url';
import { Parser } from '@asyncapi/parser';
import { CLOSE, ERROR_CODES } from '@tessera/protocol';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverFrameSchema } from '../../src/edge/server-frame-schemas.js';
import { connect, connectAnonymous, startTestServer, type TestServer } from '../support/test-server.js';

const FRAMES_SOURCE = fileURLToPath(new URL('../../../protocol/src/frames.ts', import.meta.url));

let program: ts.Program | undefined;

/** The `type` of every member of a frame union of packages/protocol/src/frames.ts, read by the TypeScript compiler. */
function protocolFrameTypes(alias: 'ClientFrame' | 'ServerFrame'): string[] {
  // No lib, no @types: only the protocol's own files are read, which is all a literal type needs.
  program ??= ts.createProgram([FRAMES_SOURCE], { strict: true, noEmit: true, noLib: true, types: [], module: ts.ModuleKind.NodeNext });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(FRAMES_SOURCE) as ts.SourceFile;
  const symbol = checker.getExportsOfModule(checker.getSymbolAtLocation(source) as ts.Symbol).find((each) => each.name === alias);
  const union = checker.getDeclaredTypeOfSymbol(symbol as ts.Symbol) as ts.UnionType;
  const types = union.types.map((member) => {
    const type = checker.getTypeOfSymbolAtLocation(member.getProperty('type') as ts.Symbol, source);
    return (type as ts.StringLiteralType).value;
  });
  return [...new Set(types)].sort();
}

describe('AsyncAPI 3.0: the socket, frame by frame', () => {
  let server: TestServer;
  let document: any;
  beforeAll(async () => {
    server = await startTestServer();
    const response = await fetch(`${server.url}/asyncapi.json`);
    expect(response.status).toBe(200);
    document = await response.json();
  });
  afterAll(() => server.stop({ removeData: true }));

  it('is a valid AsyncAPI 3.0 document (checked by @asyncapi/parser)', async () => {
    const { document: parsed, diagnostics } = await new Parser().parse(JSON.stringify(document));
    expect(diagnostics.filter((diagnostic) => diagnostic.severity === 0).map((diagnostic) => diagnostic.message)).toEqual([]);
    expect(parsed?.version()).toBe('3.0.0');
    expect(
      parsed
        ?.channels()
        .all()
        .map((channel) => channel.address()),
    ).toEqual(['/v1/ws']);
    const actions = parsed
      ?.operations()
      .all()
      .map((operation) => `${operation.action()} ${operation.messages().all().length}`);
    expect(actions).toEqual([`receive ${protocolFrameTypes('ClientFrame').length}`, `send ${protocolFrameTypes('ServerFrame').length}`]);
  }, 120_000);

  it('has a message for every frame type of the protocol, both ways, and no other', () => {
    const documented = (prefix: string) =>
      Object.keys(document.components.messages)
        .filter((name) => name.startsWith(`${prefix}.`))
        .map((name) => name.slice(prefix.length + 1))
        .sort();
    expect(documented('client')).toEqual(protocolFrameTypes('ClientFrame'));
    expect(documented('server')).toEqual(protocolFrameTypes('ServerFrame'));
    expect(protocolFrameTypes('ServerFrame')).toContain('auth_required');
    for (const message of Object.values<any>(document.components.messages)) {
      expect(message.payload.type ?? message.payload.anyOf).toBeDefined();
      expect(message.summary).toBeTruthy();
    }
    // Five ways to authenticate, one message; the models are shared components.
    expect(document.components.messages['client.authenticate'].payload.anyOf).toHaveLength(5);
    expect(document.components.messages['server.ready'].payload.properties.session).toEqual({ $ref: '#/components/schemas/Session' });
    expect(Object.keys(document.components.schemas)).toEqual(expect.arrayContaining(['Session', 'User', 'Conversation', 'Message']));
  });

  it('names every close code with what closes a socket with it', () => {
    const channel = document.channels.chat;
    const table = channel['x-close-codes'] as Array<{ code: number; name: string; reasons: string[] }>;
    expect(table.map((entry) => entry.code).sort()).toEqual(Object.values(CLOSE).sort());
    for (const [code, { ws }] of Object.entries(ERROR_CODES)) {
      if (ws !== null) expect(table.find((entry) => entry.code === ws)?.reasons).toContain(code);
    }
    expect(table.find((entry) => entry.code === 4002)?.reasons).toContain('AUTH_CHANGED');
    for (const code of Object.values(CLOSE)) expect(channel.description).toContain(`| ${code} |`);
  });

  it('documents the frames a real socket sends, field for field', async () => {
    const { socket, session } = await connectAnonymous(server);
    socket.send({ type: 'ping' });
    const pong = await socket.nextOfType('pong');
    socket.send({ type: 'history', limit: 0, id: 'bad-1' });
    const error = await socket.nextOfType('error');
    socket.close();
    const resumed = connect(server, { token: session.accessToken });
    const ready = await resumed.nextOfType('ready');
    resumed.close();
    for (const frame of [{ type: 'session', ...session }, pong, error, ready]) {
      const parsed = serverFrameSchema.safeParse(frame);
      expect(parsed.error, frame.type).toBeUndefined();
      // Nothing undocumented was sent: the schema keeps every field.
      expect(parsed.data).toEqual(frame);
    }
    expect(error).toMatchObject({ code: 'BAD_REQUEST', id: 'bad-1' });
  });
});
