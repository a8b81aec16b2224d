/**
 * @module End-to-end harness: starts the real edge (built app, fresh SQLite file, free port)
 * as a child process and launches Debian's Chromium through playwright-core.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import { createApiClient } from '../../shared/api/client.ts';
import { topUpForTests } from '../../edge/testing.ts';

export const ROOT = join(import.meta.dirname, '..', '..');

/**
 * Pays money into the account of the customer page's API key (`api-key` on the page), so the
 * jobs it submits next pay the volunteers: every page of a test runs on one machine, and work
 * paid by trial credit only pays nothing to volunteers on the customer's own network.
 */
export async function topUpCustomerPage(page: Page, serverUrl: string): Promise<void> {
  const apiKey = (await page.getByTestId('api-key').textContent())!.trim();
  await topUpForTests(createApiClient({ baseUrl: serverUrl, token: apiKey }));
}
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** How long a started server may take to answer its health check. */
const SERVER_START_MS_MAX = 30_000;
/** Interval between health polls while a server starts. */
const HEALTH_POLL_MS = 100;

/** A port the OS reports free now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export interface RunningServer {
  url: string;
  databaseUrl: string;
  process: ChildProcess;
  output: () => string;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** Starts `edge/main.ts` on a free port with a fresh SQLite file (or the given database). */
export async function startServer(env: Record<string, string> = {}): Promise<RunningServer> {
  const port = env.PORT ? Number(env.PORT) : await freePort();
  const databaseUrl = env.DATABASE_URL ?? join(mkdtempSync(join(tmpdir(), 'sparecycles-')), 'e2e.db');
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'edge', 'main.ts')], {
    cwd: ROOT,
    env: { ...process.env, ...env, PORT: String(port), DATABASE_URL: databaseUrl },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout!.on('data', (d) => (log += d));
  child.stderr!.on('data', (d) => (log += d));
  const url = `http://127.0.0.1:${port}`;
  const started = Date.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`edge exited with ${child.exitCode}:\n${log}`);
    const ok = await fetch(`${url}/api/health`).then((r) => r.ok, () => false);
    if (ok) break;
    if (Date.now() - started > SERVER_START_MS_MAX) {
      child.kill('SIGKILL');
      throw new Error(`edge did not start within ${SERVER_START_MS_MAX} ms:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, HEALTH_POLL_MS));
  }
  return {
    url,
    databaseUrl,
    process: child,
    output: () => log,
    stop: (signal = 'SIGTERM') =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill(signal);
      }),
  };
}

/**
 * Launches headless Debian Chromium with the flags this sandbox needs. `webrtc`: also let
 * peer connections use loopback addresses (a group's host and peers on one machine, issue
 * 16); their contexts must come from {@link newWebRtcContext} as well.
 */
export function launchChromium(options: { webrtc?: boolean } = {}): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: chromiumArgs(options) });
}

/** The command line of every Chromium the suites start (`webrtc`: loopback peer connections too). */
export function chromiumArgs(options: { webrtc?: boolean } = {}): string[] {
  return [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    '--disable-quic',
    ...(options.webrtc ? ['--allow-loopback-in-peer-connection'] : []),
  ];
}

/**
 * A context whose pages gather ICE candidates on a loopback-only machine: Chromium offers
 * host candidates only to a context allowed the camera and microphone (no getUserMedia call
 * is needed), and 127.0.0.1 ones only with the launch flag of `launchChromium({ webrtc: true })`.
 * A context without these permissions gathers none, which is how a test makes ICE fail.
 */
export function newWebRtcContext(browser: Browser, options: BrowserContextOptions = {}): Promise<BrowserContext> {
  return browser.newContext({ ...options, permissions: [...(options.permissions ?? []), 'camera', 'microphone'] });
}

/**
 * A context whose pages' peer connections never connect, as on a network with no direct
 * path and no relay: no camera or microphone permission (so no plain host candidates), and
 * every `RTCPeerConnection` made with `iceTransportPolicy: 'relay'` and no TURN server, so it
 * gathers no candidate and sends no connectivity check. The permission alone is not enough
 * on a machine with an interface besides loopback: Chromium then offers mDNS candidates and
 * its checks reach a host that offers its own addresses.
 */
export async function newIceFailingContext(browser: Browser): Promise<BrowserContext> {
  const context = await browser.newContext();
  await context.addInitScript(() => {
    const Native = window.RTCPeerConnection;
    window.RTCPeerConnection = class extends Native {
      constructor(config?: RTCConfiguration) {
        super({ ...config, iceServers: [], iceTransportPolicy: 'relay' });
      }
    };
  });
  return context;
}

/**
 * Registers a server and a browser for the calling suite (started before its tests, stopped
 * after); the returned object's fields are set once `beforeAll` has run.
 */
export function useServerAndBrowser(env: Record<string, string> = {}): { server: RunningServer; browser: Browser } {
  const ctx = {} as { server: RunningServer; browser: Browser };
  beforeAll(async () => {
    ctx.server = await startServer(env);
    ctx.browser = await launchChromium();
  });
  afterAll(async () => {
    await ctx.browser?.close();
    await ctx.server?.stop();
  });
  return ctx;
}

/** How long one page state (a click's effect) may take to show. */
export const UI_STATE_MS_MAX = 15_000;

/** Opens the volunteer page in a fresh browser context with one worker and presses Start. */
export async function startVolunteerPage(ctx: { server: RunningServer; browser: Browser }): Promise<Page> {
  const ui = { timeout: UI_STATE_MS_MAX, interval: 100 };
  const page = await (await ctx.browser.newContext()).newPage();
  page.on('pageerror', (err) => console.error('[volunteer page error]', err));
  await page.goto(`${ctx.server.url}/volunteer`);
  await page.getByTestId('worker-count').fill('1');
  await expect.poll(() => page.getByTestId('volunteer-status').textContent(), ui).toContain('Stopped');
  await page.getByTestId('volunteer-toggle').click();
  await expect.poll(() => page.getByTestId('volunteer-status').textContent(), ui).toContain('Computing');
  return page;
}

/** Starts a Node volunteer (`npm run worker`, edge/node-worker/main.ts) with `args`; its output is kept for failure messages. */
export function spawnWorker(args: string[]): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'edge/node-worker/main.ts'), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout!.on('data', (d) => (log += d));
  child.stderr!.on('data', (d) => (log += d));
  return { child, output: () => log };
}
