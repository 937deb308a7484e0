/** The one place that reads the environment. */
export interface Environment {
  databaseUrl?: string;
  redisUrl?: string;
  databasePoolSize?: number;
  logLevel?: string;
  trustProxy?: string[];
  host?: string;
  publicUrl?: string;
  /** `iss` of our tokens; default the public URL. */
  issuer?: string;
  smtpUrl?: string;
  mailFrom?: string;
  metricsPort?: number;
  metricsHost?: string;
}

export function readEnvironment(env: NodeJS.ProcessEnv = process.env): Environment {
  return {
    databaseUrl: env.TESSERA_DATABASE_URL || undefined,
    redisUrl: env.TESSERA_REDIS_URL || undefined,
    databasePoolSize: env.TESSERA_DATABASE_POOL_SIZE ? Number(env.TESSERA_DATABASE_POOL_SIZE) : undefined,
    logLevel: env.TESSERA_LOG_LEVEL || undefined,
    trustProxy: env.TESSERA_TRUST_PROXY ? env.TESSERA_TRUST_PROXY.split(',').map((entry) => entry.trim()) : undefined,
    host: env.TESSERA_HOST || undefined,
    publicUrl: env.TESSERA_PUBLIC_URL || undefined,
    issuer: env.TESSERA_ISSUER || undefined,
    smtpUrl: env.TESSERA_SMTP_URL || undefined,
    mailFrom: env.TESSERA_MAIL_FROM || undefined,
    metricsPort: env.TESSERA_METRICS_PORT ? Number(env.TESSERA_METRICS_PORT) : undefined,
    metricsHost: env.TESSERA_METRICS_HOST || undefined,
  };
}
