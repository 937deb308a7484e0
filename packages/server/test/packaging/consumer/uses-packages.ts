// Compiled in a fresh project against the installed tarballs' types: what an app would write.
import { type ChatClient, createChatClient, createMemoryStorage, type TokenStorage, TesseraError } from '@tessera/client';
import { ERROR_CODES, type ErrorCode, type ServerFrame, type UserInfo } from '@tessera/protocol';
import { TesseraProvider, useChat, useCurrentUser, useSession, useTessera } from '@tessera/react';

const storage: TokenStorage = createMemoryStorage();
export const chat: ChatClient = createChatClient({ url: 'https://chat.example.com', publishableKey: 'pk_test', storage });

export async function greet(): Promise<string | undefined> {
  const ack = await chat.send('hello');
  return ack.messageId;
}

export function describe(error: unknown): ErrorCode | 'OTHER' {
  return error instanceof TesseraError && error.code in ERROR_CODES ? (error.code as ErrorCode) : 'OTHER';
}

export function isReply(frame: ServerFrame): boolean {
  return frame.type === 'message';
}

export const who = (user: UserInfo): string => user.id;

export const react = { TesseraProvider, useTessera, useSession, useCurrentUser, useChat };
