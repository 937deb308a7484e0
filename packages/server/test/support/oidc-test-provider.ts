import type { IncomingMessage, ServerResponse } from 'node:http';
import { createDemoOidcProvider, type DemoOidcClient, type DemoOidcUser } from '../../src/demo/oidc-demo-provider.js';
import { startHttpsServer } from './tls.js';

export { DEMO_OIDC_USERS, type DemoOidcClient, type DemoOidcUser } from '../../src/demo/oidc-demo-provider.js';

export interface OidcTestProviderOptions {
  clients: DemoOidcClient[];
  /** The demo's ada (email verified) and grace (not verified) unless given. */
  users?: DemoOidcUser[];
  /** `sub` of the user every authorization request signs in as, without pages or cookies. */
  autoLogin?: string;
}

export interface OidcTestProvider {
  /** `https://localhost:{port}`: trusted by the workers through NODE_EXTRA_CA_CERTS (see global-setup.ts). */
  issuer: string;
  url: string;
  stop(): Promise<void>;
}

/** The demo OpenID provider over https on 127.0.0.1 (a random port), its issuer named `localhost`. */
export async function startOidcProvider(options: OidcTestProviderOptions): Promise<OidcTestProvider> {
  // The issuer names the port, known once listening: requests before that wait for nobody (503).
  let handler = (_req: IncomingMessage, res: ServerResponse): void => void res.writeHead(503).end();
  const server = await startHttpsServer((req, res) => handler(req, res));
  const provider = createDemoOidcProvider({ issuer: server.url, ...options });
  handler = provider.handler;
  return {
    issuer: server.url,
    url: server.url,
    async stop() {
      await server.stop();
      provider.close();
    },
  };
}
