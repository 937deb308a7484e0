// Your backend, for a user your own login has signed in: Tessera tokens for the chat.
// The secret key (sk_…, scope tokens:write) never leaves the server.
export async function mintChatTokens({ tesseraUrl, secretKey, user }) {
  const response = await fetch(`${tesseraUrl}/v1/auth/tokens`, {
    method: 'POST',
    headers: { 'x-api-key': secretKey, 'content-type': 'application/json' },
    body: JSON.stringify({ userId: user.id, name: user.name, custom: { role: user.role } }),
  });
  const body = await response.json();
  if (!response.ok) throw new Error(`Tessera refused the tokens: ${body.error.code}`);
  const { accessToken, refreshToken, expiresAt } = body;
  return { accessToken, refreshToken, expiresAt }; // what the SDK's tokenProvider resolves with
}
