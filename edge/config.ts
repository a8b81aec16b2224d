/**
 * @module Configuration from environment variables (documented in README.md).
 */
import { join } from 'node:path';
import { IceServersSchema, type IceServer } from '../shared/groups/schemas.ts';
import { CUSTOMER_TOPUP_MINOR_MAX, CUSTOMER_TRIAL_CREDIT_MINOR } from '../shared/limits.ts';
import { parseTrustedProxies } from './http/origin.ts';
import type { ReceptionRoleConfig } from './reception/roles.ts';

export type EdgeRole = 'all' | 'reception' | 'node';

/**
 * The edge's settings. Reception's and the node's part (`role`, `nodeId`, `publicUrl`,
 * `region`, `capacity`, `receptionUrl`, `ticketKeys`, `reportKey`, `admissionRequired`) is
 * declared where it is read, in edge/reception/roles.ts.
 */
export interface EdgeConfig extends ReceptionRoleConfig {
  port: number;
  host: string;
  databaseUrl: string;
  kernelsDir: string;
  webDir: string;
  /** Origins of web pages (the app served elsewhere) allowed to call this edge across origins (CORS). */
  appOrigins: string[];
  /** Proxies whose X-Forwarded-For names the client (`TRUST_PROXY`, comma-separated addresses). */
  trustedProxies: ReadonlySet<string>;
  /** Trial credit of a new customer account, minor units (`TRIAL_CREDIT_MINOR`; 0 turns it off). */
  trialCreditMinor: number;
  /** STUN/TURN servers for groups' peer connections (`GROUP_ICE_SERVERS`, a JSON array of RTCIceServer); none by default. */
  groupIceServers: IceServer[];
}

/** Parses `GROUP_ICE_SERVERS` (a JSON array such as `[{"urls":"stun:stun.example:3478"}]`); throws a readable error on anything else. */
export function parseIceServers(value: string | undefined): IceServer[] {
  if (!value?.trim()) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new Error(`GROUP_ICE_SERVERS must be a JSON array of {"urls": "stun:…" | "turn:…", "username"?, "credential"?}, got '${value.slice(0, 80)}'`);
  }
  const r = IceServersSchema.safeParse(parsed);
  if (!r.success) throw new Error(`GROUP_ICE_SERVERS: ${r.error.issues.map((i) => `${i.path.join('.') || 'value'}: ${i.message}`).join('; ')}`);
  return r.data;
}

/** Parses `APP_ORIGINS` (comma-separated origins such as `https://app.example`); throws on anything else. */
export function parseOrigins(value: string | undefined): string[] {
  const origins: string[] = [];
  for (const part of (value ?? '').split(',').map((p) => p.trim()).filter(Boolean)) {
    let url: URL | undefined;
    try {
      url = new URL(part);
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.origin !== part.replace(/\/$/, '')) {
      throw new Error(`APP_ORIGINS must be origins like https://app.example (scheme, host, optional port; no path), got '${part}'`);
    }
    origins.push(url.origin);
  }
  return origins;
}

/** Admissions a node takes at once unless NODE_CAPACITY says otherwise. */
const NODE_CAPACITY_DEFAULT = 1_000;

/** Reads the configuration; throws a readable error for a bad value. */
export function readConfig(env: NodeJS.ProcessEnv = process.env, root = process.cwd()): EdgeConfig {
  const port = Number(env.PORT ?? 8787);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a port number, got '${env.PORT}'`);
  const role = (env.EDGE_ROLE ?? 'all') as EdgeRole;
  if (!['all', 'reception', 'node'].includes(role)) throw new Error(`EDGE_ROLE must be all, reception or node, got '${env.EDGE_ROLE}'`);
  const host = env.HOST ?? '127.0.0.1';
  const capacity = Number(env.NODE_CAPACITY ?? NODE_CAPACITY_DEFAULT);
  if (!Number.isInteger(capacity) || capacity < 1) throw new Error(`NODE_CAPACITY must be a positive integer, got '${env.NODE_CAPACITY}'`);
  if (role !== 'all' && (!env.TICKET_KEYS || !env.RECEPTION_REPORT_KEY)) {
    throw new Error(`EDGE_ROLE=${role} needs TICKET_KEYS and RECEPTION_REPORT_KEY shared by reception and its nodes`);
  }
  if (role === 'node' && !env.RECEPTION_URL) throw new Error('EDGE_ROLE=node needs RECEPTION_URL');
  const admission = env.ADMISSION ?? (role === 'node' ? 'required' : 'off');
  if (admission !== 'required' && admission !== 'off') throw new Error(`ADMISSION must be required or off, got '${admission}'`);
  const trialCreditMinor = Number(env.TRIAL_CREDIT_MINOR ?? CUSTOMER_TRIAL_CREDIT_MINOR);
  if (!Number.isSafeInteger(trialCreditMinor) || trialCreditMinor < 0 || trialCreditMinor > CUSTOMER_TOPUP_MINOR_MAX) {
    throw new Error(`TRIAL_CREDIT_MINOR must be a whole number of minor units from 0 to ${CUSTOMER_TOPUP_MINOR_MAX}, got '${env.TRIAL_CREDIT_MINOR}'`);
  }
  return {
    port,
    host,
    databaseUrl: env.DATABASE_URL ?? join(root, 'data', 'sparecycles.db'),
    kernelsDir: env.KERNELS_DIR ?? join(root, 'kernels', 'dist'),
    webDir: env.WEB_DIR ?? join(root, 'dist', 'web'),
    role,
    nodeId: env.NODE_ID ?? `node-${port}`,
    publicUrl: env.PUBLIC_URL ?? `http://${host}:${port}`,
    region: env.NODE_REGION ?? '',
    capacity,
    receptionUrl: env.RECEPTION_URL,
    ticketKeys: env.TICKET_KEYS,
    reportKey: env.RECEPTION_REPORT_KEY,
    admissionRequired: role === 'node' || admission === 'required',
    appOrigins: parseOrigins(env.APP_ORIGINS),
    trustedProxies: parseTrustedProxies(env.TRUST_PROXY),
    trialCreditMinor,
    groupIceServers: parseIceServers(env.GROUP_ICE_SERVERS),
  };
}
