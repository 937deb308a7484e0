import { createChatClient, createLocalStorage } from '@tessera/client';

const chat = createChatClient({
  url: 'https://chat.example.com', // where Tessera is served
  publishableKey: 'pk_…', // printed once by `tessera init`
  storage: createLocalStorage(), // keeps the session across reloads (default: memory)
});
chat.on('state', ({ state }) => console.log('chat:', state)); // connecting | connected | reconnecting | ...
chat.on('message', (reply) => console.log('assistant:', reply.content));
chat.on('error', (error) => console.error('chat error:', error.code));
await chat.connect();
await chat.send('who am I'); // resolves once stored; queued while offline
