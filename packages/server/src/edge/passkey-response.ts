import { z } from 'zod';

/** An `AuthenticationResponseJSON`: its shape is checked by the WebAuthn library; here only that it is a small object. */
export const passkeyResponse = z
  .looseObject({ id: z.string().min(1).max(1024), type: z.literal('public-key') })
  .refine((value) => JSON.stringify(value).length <= 16_384, 'passkey response too large');
