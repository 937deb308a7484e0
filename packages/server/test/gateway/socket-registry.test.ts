import type { ServerFrame } from '@tessera/protocol';
import { describe, expect, it } from 'vitest';
import { SocketRegistry } from '../../src/gateway/socket-registry.js';

function socket(socketId: string, sessionId: string) {
  return {
    socketId,
    sessionId,
    frames: [] as ServerFrame[],
    closedWith: null as [number, string] | null,
    send(frame: ServerFrame) {
      this.frames.push(frame);
    },
    close(code: number, reason: string) {
      this.closedWith = [code, reason];
    },
  };
}

describe('socket registry: a session change reaches every socket of that session, and only those', () => {
  it('one socket, then a second and a third of the same session, then back to one', () => {
    const registry = new SocketRegistry<ReturnType<typeof socket>>();
    const [a, b, c, other] = [socket('a', 'sess_1'), socket('b', 'sess_1'), socket('c', 'sess_1'), socket('o', 'sess_2')];
    for (const s of [a, other, b, c]) registry.add(s);
    registry.add(b);
    expect(registry.size).toBe(4);
    registry.sendToSession('sess_1', { type: 'pong' });
    expect([a, b, c, other].map((s) => s.frames.length)).toEqual([1, 1, 1, 0]);

    registry.remove(a);
    registry.remove(c);
    registry.remove(c);
    expect(registry.size).toBe(2);
    registry.sendToSession('sess_1', { type: 'pong' });
    expect([a, b, c].map((s) => s.frames.length)).toEqual([1, 2, 1]);
    expect(registry.all()).toEqual(expect.arrayContaining([b, other]));
  });

  it('closes every socket of a session but the one kept, even as closing removes them', () => {
    const registry = new SocketRegistry<ReturnType<typeof socket>>();
    const sockets = [socket('a', 'sess_1'), socket('b', 'sess_1'), socket('c', 'sess_1')];
    for (const s of sockets) {
      s.close = function (code: number, reason: string) {
        this.closedWith = [code, reason];
        registry.remove(this);
      };
      registry.add(s);
    }
    expect(registry.closeSession('sess_1', 4002, 'AUTH_CHANGED', 'b')).toBe(2);
    expect(sockets.map((s) => s.closedWith?.[1] ?? null)).toEqual(['AUTH_CHANGED', null, 'AUTH_CHANGED']);
    expect(registry.all()).toEqual([sockets[1]]);
    expect(registry.closeSession('sess_1', 1000, 'LOGGED_OUT')).toBe(1);
    expect(registry.size).toBe(0);
  });
});
