// Better Auth's requests for the bench's HTTP operations (bench/http-load.mjs), on its default base path.
//   session-start  POST /api/auth/sign-in/anonymous: a new anonymous user and session (≈ POST /v1/sessions)
//   refresh        GET /api/auth/token: the jwt plugin's short-lived JWT for a session token (≈ a refresh's
//                  new access token; Better Auth has no refresh token to rotate, so nothing is rotated)
//   me             GET /api/auth/get-session with the bearer session token (≈ GET /v1/me)
export const ROUTES = {
  'session-start': () => ({
    method: 'POST',
    path: '/api/auth/sign-in/anonymous',
    headers: { 'content-type': 'application/json' },
    body: '{}',
    expect: 200,
  }),
  refresh: (_, chain) => ({
    method: 'GET',
    path: '/api/auth/token',
    headers: { authorization: `Bearer ${chain.refreshToken}` },
    expect: 200,
  }),
  me: (_, chain) => ({
    method: 'GET',
    path: '/api/auth/get-session',
    headers: { authorization: `Bearer ${chain.accessToken}` },
    expect: 200,
  }),
};
