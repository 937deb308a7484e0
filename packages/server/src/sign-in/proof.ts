import type { AuthMethod } from '@tessera/protocol';
import type { User } from '../store/index.js';

/** Who a credential proves, and how (RFC 8176 `amr`). */
export interface Proof {
  user: User;
  amr: AuthMethod[];
}
