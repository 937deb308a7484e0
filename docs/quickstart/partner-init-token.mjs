import { SignJWT } from 'jose';

// The partner's backend, once per page load: an init token that lets the widget on the
// partner's own site start a chat session with the tenant.
export function mintInitToken({ partnerId, partnerSecret, tenantId }) {
  return new SignJWT({})
    .setProtectedHeader({ alg: 'HS256', typ: 'tessera-init+jwt' })
    .setIssuer(partnerId) // ptn_…, from `tessera partners add`
    .setAudience(tenantId) // ten_…
    .setIssuedAt()
    .setExpirationTime('5m') // at most 5 minutes
    .setJti(crypto.randomUUID()) // usable once
    .sign(new TextEncoder().encode(partnerSecret));
}
