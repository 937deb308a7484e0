// Must NOT compile: the proof that the type check sees the installed types. The test expects an
// error on each line marked `expect TSnnnn`, with that code, and no other error anywhere.
import { createChatClient } from '@tessera/client';
import type { UserInfo } from '@tessera/protocol';
import { useCurrentUser } from '@tessera/react';

export const noUrl = createChatClient({ publishableKey: 'pk_test' }); // expect TS2345
export const notAField = (user: UserInfo) => user.notAField; // expect TS2339
export const notAHook = () => useCurrentUser.notAField; // expect TS2339
