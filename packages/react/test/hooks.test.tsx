// @vitest-environment happy-dom
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { createChatClient, createMemoryStorage, type ChatClient } from '@tessera/client';
import { TesseraProvider, useChat, useCurrentUser, useSession, useTessera } from '@tessera/react';
import { StrictMode, useState } from 'react';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Agent, AgentEvent, AgentTurn } from '../../server/src/agents/agent.js';
import { DemoAgent } from '../../server/src/agents/demo-agent.js';
import { api, browserLike, identityToken, startTestServer, type TestServer } from '../../client/test/support/real-server.js';

// The provider and hooks rendered on happy-dom, over a real client talking to a real Tessera
// (SQLite, 127.0.0.1) with `ws` as the socket. Messages with "(stream)" are answered a word
// every 40 ms, so the page can be seen while a reply is still being written.
const IDENTITY_SECRET = 'customer-app-identity-secret-0123456789abcdef';
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

class StreamingAgent implements Agent {
  private readonly demo = new DemoAgent();
  async *reply(turn: AgentTurn, signal: AbortSignal): AsyncIterable<AgentEvent> {
    if (!turn.message.content.includes('(stream)')) return yield* this.demo.reply(turn, signal);
    for (let i = 1; i <= 8 && !signal.aborted; i++) {
      yield { type: 'delta', content: `word${i} ` };
      await pause(40);
    }
  }
}

let target: TestServer;
beforeAll(async () => {
  target = await startTestServer({
    agent: new StreamingAgent(),
    settings: { identity: { verification: { secret: IDENTITY_SECRET }, nameClaim: 'name' } } as never,
  });
});
afterAll(() => target?.stop({ removeData: true }));
afterEach(cleanup);

function options() {
  const page = browserLike();
  return { url: target.url, publishableKey: target.publishableKey, WebSocket: page.WebSocket, fetch: page.fetch, crossTab: false as const };
}

function SessionCard({ identity }: { identity?: string }) {
  const session = useSession();
  const user = useCurrentUser();
  return (
    <section>
      <p data-testid="status">{session.status}</p>
      <p data-testid="who">{session.signedIn ? `${user?.name} (${user?.userId})` : user ? 'anonymous' : 'nobody'}</p>
      {user?.avatar && <img alt="avatar" src={user.avatar} />}
      {session.error && <p role="alert">{session.error.code}</p>}
      {identity && (
        <button type="button" onClick={() => void session.linkFromMainApp(identity)}>
          Sign in
        </button>
      )}
      <button type="button" onClick={() => void session.logout()}>
        Log out
      </button>
    </section>
  );
}

/** A chat box; `seen` records every reply text rendered, to show the stream growing. */
function ChatBox({ seen = [] as string[], conversationId }: { seen?: string[]; conversationId?: string }) {
  const chat = useChat(conversationId);
  const [draft, setDraft] = useState('');
  for (const message of chat.messages) if (message.role === 'assistant') seen.push(`${message.status}:${message.content}`);
  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        void chat.send(draft).catch(() => undefined);
        setDraft('');
      }}
    >
      <ul>
        {chat.messages.map((message) => (
          <li key={message.key} data-role={message.role} data-status={message.status}>
            {message.content}
          </li>
        ))}
      </ul>
      {chat.authRequired && <p role="status">{chat.authRequired.reason}</p>}
      {chat.conversationId && <p data-testid="conversation">{chat.conversationId}</p>}
      <input aria-label="message" value={draft} onChange={(event) => setDraft(event.target.value)} />
      <button type="submit">Send</button>
    </form>
  );
}

function ClientProbe({ seen }: { seen: { client?: ChatClient } }) {
  seen.client = useTessera();
  return null;
}

const status = () => screen.getByTestId('status').textContent;
const replies = () => [...document.querySelectorAll('li[data-role="assistant"]')];

function type(text: string) {
  fireEvent.change(screen.getByLabelText('message'), { target: { value: text } });
  fireEvent.click(screen.getByText('Send'));
}

describe('@tessera/react against a real server', () => {
  it('useSession and useCurrentUser: connects as a visitor, signs in with the main app token, logs out', async () => {
    render(
      <TesseraProvider options={options()}>
        <SessionCard identity={identityToken(IDENTITY_SECRET, { sub: 'grace', name: 'Grace Hopper' })} />
      </TesseraProvider>,
    );
    expect(screen.getByTestId('who').textContent).toBe('nobody');
    await waitFor(() => expect(status()).toBe('connected'));
    expect(screen.getByTestId('who').textContent).toBe('anonymous');

    fireEvent.click(screen.getByText('Sign in'));
    await waitFor(() => expect(screen.getByTestId('who').textContent).toBe('Grace Hopper (grace)'));
    expect(status()).toBe('connected'); // the socket that signed in stays open

    fireEvent.click(screen.getByText('Log out'));
    await waitFor(() => expect(status()).toBe('closed'));
    expect(screen.getByTestId('who').textContent).toBe('nobody');
    expect(screen.queryByRole('alert')).toBeNull(); // a logout is no error
  });

  it('shows the name and avatar your backend gave the user', async () => {
    const minted = await api(target, 'POST', '/v1/auth/tokens', {
      headers: { 'x-api-key': target.secretKey },
      origin: null,
      body: { userId: 'ada', name: 'Ada Lovelace', avatar: 'https://cdn.example/ada.png' },
    });
    render(
      <TesseraProvider options={{ ...options(), initialTokens: minted.body }}>
        <SessionCard />
      </TesseraProvider>,
    );
    await waitFor(() => expect(screen.getByTestId('who').textContent).toBe('Ada Lovelace (ada)'));
    expect(screen.getByAltText('avatar').getAttribute('src')).toBe('https://cdn.example/ada.png');
  });

  it('useChat: the sent message, then the reply growing word by word until it is whole', async () => {
    const seen: string[] = [];
    render(
      <TesseraProvider options={options()}>
        <SessionCard />
        <ChatBox seen={seen} />
      </TesseraProvider>,
    );
    await waitFor(() => expect(status()).toBe('connected'));
    type('tell me a story (stream)');
    await waitFor(() => expect(document.querySelector('li[data-role="user"]')?.getAttribute('data-status')).toBe('sent'));
    expect(document.querySelector('li[data-role="user"]')?.textContent).toBe('tell me a story (stream)');

    await waitFor(() => expect(replies()[0]?.getAttribute('data-status')).toBe('streaming'));
    const partial = replies()[0]!.textContent!;
    await waitFor(() => expect(replies()[0]?.getAttribute('data-status')).toBe('done'));
    const whole = replies()[0]!.textContent!;
    expect(whole.trim()).toBe('word1 word2 word3 word4 word5 word6 word7 word8');
    expect(partial.length).toBeLessThan(whole.length);
    expect(whole.startsWith(partial)).toBe(true);
    const streamed = seen.filter((text) => text.startsWith('streaming:')).map((text) => text.slice('streaming:'.length));
    expect(new Set(streamed).size).toBeGreaterThan(2); // several renders while it streamed, each a longer prefix
    for (const text of streamed) expect(whole.startsWith(text)).toBe(true);
    expect(replies()).toHaveLength(1);
  });

  it('useChat: the agent asks for a sign-in; after it, the same reply comes for the user, nothing typed again', async () => {
    render(
      <TesseraProvider options={options()}>
        <SessionCard identity={identityToken(IDENTITY_SECRET, { sub: 'linus', name: 'Linus' })} />
        <ChatBox />
      </TesseraProvider>,
    );
    await waitFor(() => expect(status()).toBe('connected'));
    type('show my orders');
    expect((await screen.findByRole('status')).textContent).toBe('Sign in to see your orders.');
    fireEvent.click(screen.getByText('Sign in'));
    await waitFor(() => expect(replies()[0]?.textContent).toMatch(/^Your orders, Linus:/));
    expect(screen.queryByRole('status')).toBeNull();
    expect(replies()).toHaveLength(1);
    expect(document.querySelectorAll('li[data-role="user"]')).toHaveLength(1);
  });

  it('useChat(conversationId): a conversation comes back with its history, replies included', async () => {
    const client = createChatClient(options());
    const first = render(
      <TesseraProvider client={client}>
        <SessionCard />
        <ChatBox />
      </TesseraProvider>,
    );
    await waitFor(() => expect(status()).toBe('connected'));
    type('hello there');
    await waitFor(() => expect(replies()[0]?.getAttribute('data-status')).toBe('done'));
    const conversationId = screen.getByTestId('conversation').textContent!;
    const reply = replies()[0]!.textContent;
    first.unmount();

    render(
      <TesseraProvider client={client}>
        <SessionCard />
        <ChatBox conversationId={conversationId} />
      </TesseraProvider>,
    );
    await waitFor(() => expect(document.querySelectorAll('li')).toHaveLength(2));
    const shown = [...document.querySelectorAll('li')].map((li) => [li.getAttribute('data-role'), li.textContent]);
    expect(shown).toEqual([
      ['user', 'hello there'],
      ['assistant', reply],
    ]);
    client.disconnect();
  });

  it('useChat(): after a reload (a new client on the same stored session) the current conversation is shown again', async () => {
    const stored = createMemoryStorage(); // what localStorage or AsyncStorage keeps across the reload
    const before = createChatClient({ ...options(), storage: stored });
    const first = render(
      <TesseraProvider client={before}>
        <SessionCard />
        <ChatBox />
      </TesseraProvider>,
    );
    await waitFor(() => expect(status()).toBe('connected'));
    type('remember this');
    await waitFor(() => expect(replies()[0]?.getAttribute('data-status')).toBe('done'));
    const conversationId = screen.getByTestId('conversation').textContent;
    first.unmount();
    before.disconnect();

    const after = createChatClient({ ...options(), storage: stored });
    render(
      <TesseraProvider client={after}>
        <SessionCard />
        <ChatBox />
      </TesseraProvider>,
    );
    await waitFor(() => expect(document.querySelectorAll('li')).toHaveLength(2));
    expect(document.querySelector('li[data-role="user"]')?.textContent).toBe('remember this');
    expect(screen.getByTestId('conversation').textContent).toBe(conversationId);
    after.disconnect();
  });

  it('the provider connects a client you pass on mount and disconnects it on unmount', async () => {
    const client: ChatClient = createChatClient(options());
    const seen: { client?: ChatClient } = {};
    const view = render(
      <TesseraProvider client={client}>
        <ClientProbe seen={seen} />
      </TesseraProvider>,
    );
    await waitFor(() => expect(client.state).toBe('connected'));
    expect(seen.client).toBe(client);
    act(() => view.unmount());
    expect(client.state).toBe('disconnected');
    expect(client.tokens.current()).not.toBeNull(); // the session stays: a later provider resumes it
  });

  it('in StrictMode (mount, unmount, mount again) one socket is left open, and none after unmount', async () => {
    const sockets = () => target.app.gateway.openSockets;
    await waitFor(() => expect(sockets()).toBe(0)); // the earlier tests' sockets are closed
    const view = render(
      <StrictMode>
        <TesseraProvider options={options()}>
          <SessionCard />
        </TesseraProvider>
      </StrictMode>,
    );
    await waitFor(() => expect(status()).toBe('connected'));
    await pause(200); // a second socket would have opened by now
    expect(sockets()).toBe(1);
    view.unmount();
    await waitFor(() => expect(sockets()).toBe(0));
  });

  it('a hook outside a provider says what is missing', () => {
    expect(() => render(<SessionCard />)).toThrow(/TesseraProvider/);
  });
});
