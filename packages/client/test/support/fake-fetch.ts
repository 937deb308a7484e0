import type { FetchLike } from '../../src/http.js';

export interface Call {
  url: string;
  init: RequestInit;
  body: any;
}

export type Reply = { status?: number; body?: unknown; headers?: Record<string, string> } | Error;

/** Records calls and answers each with `respond` (an Error rejects like a network failure). */
export function fakeFetch(respond: (call: Call, index: number) => Reply | Promise<Reply>) {
  const calls: Call[] = [];
  const fetch: FetchLike = async (url, init = {}) => {
    const call = { url, init, body: init.body ? JSON.parse(String(init.body)) : undefined };
    calls.push(call);
    const reply = await respond(call, calls.length - 1);
    if (reply instanceof Error) throw new TypeError('fetch failed', { cause: reply });
    return new Response(reply.body === undefined ? null : JSON.stringify(reply.body), {
      status: reply.status ?? 200,
      headers: { 'content-type': 'application/json', ...reply.headers },
    });
  };
  return { fetch, calls };
}

export const errorBody = (code: string, message = code) => ({ error: { code, message } });
