/**
 * @module Configuration from environment variables (documented in README.md).
 */
import { join } from 'node:path';

export interface EdgeConfig {
  port: number;
  host: string;
  databaseUrl: string;
  kernelsDir: string;
  webDir: string;
}

/** Reads the configuration; throws a readable error for a bad value. */
export function readConfig(env: NodeJS.ProcessEnv = process.env, root = process.cwd()): EdgeConfig {
  const port = Number(env.PORT ?? 8787);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a port number, got '${env.PORT}'`);
  return {
    port,
    host: env.HOST ?? '127.0.0.1',
    databaseUrl: env.DATABASE_URL ?? join(root, 'data', 'sparecycles.db'),
    kernelsDir: env.KERNELS_DIR ?? join(root, 'kernels', 'dist'),
    webDir: env.WEB_DIR ?? join(root, 'dist', 'web'),
  };
}
