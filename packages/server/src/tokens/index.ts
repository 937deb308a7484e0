export { SigningKeyStore, type SigningKey, type SigningAlgorithm } from './signing-keys.js';
export { AccessTokens, ACCESS_TOKEN_TYP, type AccessTokenInput } from './access-tokens.js';
export { loadServerSecret } from './server-secret.js';
export {
  ExternalTokenVerifier,
  validateVerification,
  claimAtPath,
  type Verification,
  type ExternalTokenRules,
} from './external-tokens.js';
export { unverifiedClaims } from './unverified-claims.js';
export { VerifiedTokens } from './verified-tokens.js';
