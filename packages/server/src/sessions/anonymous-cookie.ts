import { hmac, safeEqual } from '../secrets.js';

const ANONYMOUS_ID = /^anon_[A-Za-z0-9]{20}$/;
const MAC = /^[A-Za-z0-9_-]{43}$/;

/**
 * The value of a browser's anonymous-id cookie: `anon_….<mac>`, the anonymous id and an
 * HMAC-SHA256 of it under a server secret. Anonymous ids are not secret (every access
 * token carries one in `anon`), so a session is only started under an anonymous id the
 * browser brings in a value this server sealed: knowing someone's anonymous id is not
 * enough to act as their browser. Anything else (an unsigned id, a wrong MAC) is no cookie.
 */
export class AnonymousCookies {
  /** `secret`: the same on every node, like the refresh-token secret. */
  constructor(private readonly secret: Buffer) {}

  seal(anonymousId: string): string {
    return `${anonymousId}.${this.mac(anonymousId)}`;
  }

  /** The anonymous id of a value `seal` produced, or undefined. Compared in constant time. */
  open(value: string | undefined): string | undefined {
    if (!value) return undefined;
    const dot = value.indexOf('.');
    if (dot < 0) return undefined;
    const anonymousId = value.slice(0, dot);
    const mac = value.slice(dot + 1);
    if (!ANONYMOUS_ID.test(anonymousId) || !MAC.test(mac)) return undefined;
    return safeEqual(mac, this.mac(anonymousId)) ? anonymousId : undefined;
  }

  private mac(anonymousId: string): string {
    return hmac(this.secret, `tessera_anon.v1.${anonymousId}`);
  }
}
