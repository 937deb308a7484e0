import { SignJWT } from 'jose';

// Your backend, right after your own login: a short-lived identity token for the chat,
// signed with the secret you registered in Tessera's `identity` settings.
export function signIdentityToken({ user, identitySecret }) {
  // `name` is read as the user's name where settings.identity.nameClaim is "name"
  return new SignJWT({ name: user.name })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(user.id) // becomes the user's userId (settings.identity.userIdClaim, default "sub")
    .setIssuedAt()
    .setExpirationTime('5m')
    .setJti(crypto.randomUUID()) // accepted once
    .sign(new TextEncoder().encode(identitySecret));
}
