import type { ChatClient } from '@tessera/client';
import { createContext, useContext } from 'react';

/** The chat client of the nearest `TesseraProvider`. */
export const TesseraContext = createContext<ChatClient | null>(null);

/** The chat client of the nearest `TesseraProvider`, for anything the hooks do not cover. */
export function useTessera(): ChatClient {
  const client = useContext(TesseraContext);
  if (!client) throw new Error('useTessera() needs a <TesseraProvider> above it');
  return client;
}
