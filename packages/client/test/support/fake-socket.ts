/** A scripted WebSocket: the test plays the server (accept, receive, close). */
export class FakeSocket {
  static all: FakeSocket[] = [];
  readyState = 0;
  sent: any[] = [];
  closedByClient: number | null = null;
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  constructor(
    readonly url: string,
    readonly protocols: string[],
  ) {
    FakeSocket.all.push(this);
  }
  send(data: string) {
    this.sent.push(JSON.parse(data));
  }
  close(code = 1000) {
    this.closedByClient = code;
    this.readyState = 3;
  }
  /** The handshake succeeded and the server greeted (`ready`). */
  accept(frame: object = { type: 'ready', session: { id: 'sess_1' }, expiresAt: 0 }) {
    this.readyState = 1;
    this.onopen?.({});
    this.receive(frame);
  }
  receive(frame: object) {
    this.onmessage?.({ data: JSON.stringify(frame) });
  }
  serverClose(code: number, reason = '') {
    this.readyState = 3;
    this.onclose?.({ code, reason });
  }
  get token() {
    return this.protocols.find((p) => p.startsWith('bearer.'))?.slice('bearer.'.length) ?? null;
  }
}

/** The socket the client opened last. */
export const latest = () => FakeSocket.all.at(-1)!;
