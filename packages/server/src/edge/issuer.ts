import type { Server } from 'node:http';
import type { ServerConfig } from '../config.js';
import { publicUrlOf } from './public-url.js';

/**
 * `iss` of every token this node signs and accepts: `config.issuer`, else the public URL
 * (`publicUrl`, else `http://localhost:{the port it listens on}`). Read when a token is signed
 * or checked, so a node started on port 0 names the port it got.
 */
export class Issuer {
  private server: Server | null = null;
  /** The default, once the server listens: its port no longer changes. */
  private listeningUrl: string | null = null;

  constructor(private readonly config: Pick<ServerConfig, 'issuer' | 'publicUrl' | 'port'>) {}

  /** The HTTP server whose port the default names. */
  listensOn(server: Server): void {
    this.server = server;
  }

  get value(): string {
    if (this.config.issuer) return this.config.issuer;
    if (this.listeningUrl) return this.listeningUrl;
    if (!this.server) return this.config.publicUrl ?? `http://localhost:${this.config.port}`;
    const url = publicUrlOf(this.config, this.server);
    if (this.server.listening) this.listeningUrl = url;
    return url;
  }
}
