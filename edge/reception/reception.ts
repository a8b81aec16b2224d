/**
 * @module Reception: admits each client to the least-loaded node with a ticket, or gives it
 * an honest place in line. Every ticket issued counts against its node at once (until the
 * node reports it claimed, or it expires unclaimed), so stale load reports can't send a
 * crowd to one node; nodes that stop reporting get no admissions. Waiting clients keep their
 * place across reloads with a signed arrival time, are admitted in arrival order, and get a
 * wait range estimated from the service times nodes measure. A place token reception did not
 * sign, or a full waiting room, is a {@link ReceptionRefused} (the routes answer it as its
 * problem type).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { AdmitResponse, FullNodeReport, TicketScope } from '../../shared/reception/schemas.ts';
import {
  NODE_REPORT_STALE_MS,
  SERVICE_SAMPLES_MAX,
  SERVICE_SAMPLES_MIN,
  TICKET_TTL_MS,
  WAITING_ABANDON_MS,
  WAITING_ROOM_MAX,
  WAIT_RETRY_JITTER,
  WAIT_RETRY_MAX_MS,
  WAIT_RETRY_MIN_MS,
} from '../../shared/limits.ts';
import { quantileSorted } from '../../shared/jobs/stats.ts';
import { sealTicket, type TicketKeyring } from './tickets.ts';

/** Why reception refuses a request, with the sentence its client gets. */
export class ReceptionRefused extends Error {
  override name = 'ReceptionRefused';
  constructor(
    readonly status: 'place_invalid' | 'waiting_room_full',
    readonly detail: string,
  ) {
    super(detail);
  }
}

/** Ticket ids a node may report claimed in one report. */
export const CLAIMED_IDS_PER_REPORT_MAX = 10_000;
/** Estimate errors kept for the dashboard's median. */
const ESTIMATE_ERRORS_MAX = 1_000;
/** The range around a pace-based estimate (the line's pace varies). */
const ESTIMATE_LOW = 0.8;
const ESTIMATE_HIGH = 1.25;
/** The window the line's pace is measured over. */
const PACE_WINDOW_MS = 10_000;

interface NodeState {
  id: string;
  url: string;
  region: string;
  capacity: number;
  active: number;
  leasesInFlight: number;
  /** Tickets issued for this node and not yet claimed, by id → expiry. */
  pending: Map<string, number>;
  service: number[];
  reportedAt: number;
  refused: Record<string, number>;
}

interface Waiting {
  id: string;
  clientKey: string;
  arrival: number;
  seenAt: number;
  /** Midpoint of the first estimate the client was given (null when none was known). */
  estimatedMs: number | null;
}

/** Reception's ticket keys, and its clock, chance and bounds (injectable for tests). */
export interface ReceptionOptions {
  ring: TicketKeyring;
  now?: () => number;
  random?: () => number;
  /** Signs place-in-line tokens; random per process unless given (places survive a restart only with a fixed key). */
  placeKey?: Buffer;
  /** Bounds, for tests that can't wait real minutes (defaults from shared/limits.ts). */
  ticketTtlMs?: number;
  abandonMs?: number;
  retryMinMs?: number;
  retryMaxMs?: number;
}

/** Load of a node as a share of its capacity, counting tickets not yet claimed. */
function utilisation(n: NodeState): number {
  return n.capacity === 0 ? Infinity : (n.active + n.pending.size) / n.capacity;
}

/**
 * Reception: nodes' load reports in, tickets and places in line out.
 * @example
 * const reception = new Reception({ ring });
 * const answer = reception.admit({ scope: 'volunteer' }, clientKey);
 */
export class Reception {
  private readonly nodes = new Map<string, NodeState>();
  /** In arrival order (arrivals only ever append; reloads find their entry by id). */
  private queue: Waiting[] = [];
  private readonly byId = new Map<string, Waiting>();
  /** The same place for a client that lost its token but kept its key (an answer lost in transit). */
  private readonly byClient = new Map<string, Waiting>();
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly placeKey: Buffer;
  private issued = 0;
  private readonly estimateErrors: number[] = [];
  /** When waiting clients were admitted, oldest first (the line's recent pace). */
  private readonly admittedFromLine: number[] = [];
  private readonly ticketTtlMs: number;
  private readonly abandonMs: number;
  private readonly retryMinMs: number;
  private readonly retryMaxMs: number;

  constructor(private readonly options: ReceptionOptions) {
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
    this.placeKey = options.placeKey ?? randomBytes(32);
    this.ticketTtlMs = options.ticketTtlMs ?? TICKET_TTL_MS;
    this.abandonMs = options.abandonMs ?? WAITING_ABANDON_MS;
    this.retryMinMs = options.retryMinMs ?? WAIT_RETRY_MIN_MS;
    this.retryMaxMs = options.retryMaxMs ?? WAIT_RETRY_MAX_MS;
  }

  /** A node's load report; `claimed` lists tickets it accepted since its last report. */
  report(r: FullNodeReport): void {
    const now = this.now();
    let n = this.nodes.get(r.node);
    if (!n) {
      n = { id: r.node, url: r.url, region: r.region, capacity: 0, active: 0, leasesInFlight: 0, pending: new Map(), service: [], reportedAt: now, refused: {} };
      this.nodes.set(r.node, n);
    }
    Object.assign(n, { url: r.url, region: r.region, capacity: r.capacity, active: r.active, leasesInFlight: r.leasesInFlight, reportedAt: now });
    for (const id of r.claimed.slice(0, CLAIMED_IDS_PER_REPORT_MAX)) n.pending.delete(id);
    n.refused = { ...r.refused };
    for (const ms of r.serviceMs) {
      n.service.push(ms);
      if (n.service.length > SERVICE_SAMPLES_MAX) n.service.shift();
    }
  }

  /** The URLs of every node that ever reported (live or not), for the pages' connect-src. */
  nodeUrls(): string[] {
    return [...this.nodes.values()].map((n) => n.url);
  }

  /** Nodes that reported recently; the others get no admissions. */
  private live(now: number): NodeState[] {
    const out: NodeState[] = [];
    for (const n of this.nodes.values()) {
      for (const [id, exp] of n.pending) if (exp <= now) n.pending.delete(id);
      if (now - n.reportedAt <= NODE_REPORT_STALE_MS) out.push(n);
    }
    return out;
  }

  private freeSlots(nodes: NodeState[]): number {
    return nodes.reduce((s, n) => s + Math.max(0, n.capacity - n.active - n.pending.size), 0);
  }

  /** Power of two choices among nodes with room; ties go to the client's region, then chance. */
  private pick(nodes: NodeState[], region: string | undefined): NodeState | undefined {
    const open = nodes.filter((n) => n.active + n.pending.size < n.capacity);
    if (open.length <= 1) return open[0];
    const i = Math.floor(this.random() * open.length);
    let j = Math.floor(this.random() * (open.length - 1));
    if (j >= i) j++;
    const [a, b] = [open[i]!, open[j]!];
    const ua = utilisation(a);
    const ub = utilisation(b);
    if (ua !== ub) return ua < ub ? a : b;
    if (region && (a.region === region) !== (b.region === region)) return a.region === region ? a : b;
    return a;
  }

  private signPlace(id: string, arrival: number): string {
    const mac = createHmac('sha256', this.placeKey).update(`${id}.${arrival}`).digest('base64url');
    return `${id}.${arrival}.${mac}`;
  }

  private openPlace(token: string): { id: string; arrival: number } {
    const [id, arrivalText, mac] = token.split('.');
    // The MAC's text is compared as issued: decoding first would accept other spellings of it
    // (the last base64url character carries two unused bits), so a changed token could pass.
    const expected = id && arrivalText ? Buffer.from(createHmac('sha256', this.placeKey).update(`${id}.${arrivalText}`).digest('base64url')) : undefined;
    const given = mac ? Buffer.from(mac) : undefined;
    if (!expected || !given || given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new ReceptionRefused('place_invalid', 'this place-in-line token was not issued here');
    }
    return { id: id!, arrival: Number(arrivalText) };
  }

  /** Drops waiting clients that stopped asking (they left); returns the live line. */
  private prune(now: number): void {
    if (this.queue.some((w) => now - w.seenAt > this.abandonMs)) {
      this.queue = this.queue.filter((w) => {
        const keep = now - w.seenAt <= this.abandonMs;
        if (!keep) this.forget(w);
        return keep;
      });
    }
  }

  private forget(w: Waiting): void {
    this.byId.delete(w.id);
    if (this.byClient.get(w.clientKey) === w) this.byClient.delete(w.clientKey);
  }

  /**
   * The wait of the client at `position`: from the rate at which waiting clients were
   * admitted lately (it includes everything that slows a line down: service times, clients
   * slow to come back, nodes not reporting), or before there is one, from the service times
   * nodes measured and their capacity.
   */
  private estimate(position: number, nodes: NodeState[], now: number): { lowMs: number; highMs: number; known: boolean } {
    const ahead = position + 1;
    while (this.admittedFromLine.length > 0 && now - this.admittedFromLine[0]! > PACE_WINDOW_MS) this.admittedFromLine.shift();
    const recent = this.admittedFromLine;
    const first = recent[0];
    if (recent.length >= SERVICE_SAMPLES_MIN && first !== undefined && now > first) {
      const msPerAdmission = (now - first) / recent.length;
      return { lowMs: Math.round(ahead * msPerAdmission * ESTIMATE_LOW), highMs: Math.round(ahead * msPerAdmission * ESTIMATE_HIGH), known: true };
    }
    const samples = nodes.flatMap((n) => n.service).sort((a, b) => a - b);
    const capacity = nodes.reduce((s, n) => s + n.capacity, 0);
    if (samples.length < SERVICE_SAMPLES_MIN || capacity === 0) return { lowMs: 0, highMs: 0, known: false };
    // Slots free at about capacity / service time; the client waits for position + 1 of them.
    return { lowMs: Math.round((ahead * quantileSorted(samples, 0.25)) / capacity), highMs: Math.round((ahead * quantileSorted(samples, 0.75)) / capacity), known: true };
  }

  private retryAfter(estimate: { lowMs: number; highMs: number; known: boolean }): number {
    const base = estimate.known ? (estimate.lowMs + estimate.highMs) / 4 : this.retryMinMs * 2;
    const clamped = Math.min(this.retryMaxMs, Math.max(this.retryMinMs, base));
    return Math.round(clamped * (1 - WAIT_RETRY_JITTER + 2 * WAIT_RETRY_JITTER * this.random()));
  }

  private ticketFor(node: NodeState, scope: TicketScope, clientKey: string, now: number): AdmitResponse {
    const id = randomBytes(12).toString('base64url');
    const exp = now + this.ticketTtlMs;
    node.pending.set(id, exp);
    this.issued++;
    const ticket = sealTicket(this.options.ring, { id, node: node.id, client: clientKey, nbf: now, exp, scope });
    return { status: 'admitted', node: { id: node.id, url: node.url }, ticket, expiresAt: exp };
  }

  /**
   * Admits a client (its key binds the ticket) or tells it its place. A client that sends its
   * place token back keeps its arrival time, and is admitted only when every live client that
   * arrived before it fits in the free slots too (arrival order).
   * @throws {ReceptionRefused} for a place token not signed here, or a full waiting room
   */
  admit(req: { scope: TicketScope; place?: string; region?: string }, clientKey: string, now = this.now()): AdmitResponse {
    const nodes = this.live(now);
    this.prune(now);
    let waiting = (req.place ? this.byId.get(this.openPlace(req.place).id) : undefined) ?? this.byClient.get(clientKey);
    const position = waiting ? this.queue.indexOf(waiting) : this.queue.length;
    if (position < this.freeSlots(nodes)) {
      const node = this.pick(nodes, req.region);
      if (node) {
        if (waiting) {
          this.queue.splice(position, 1);
          this.forget(waiting);
          this.admittedFromLine.push(now);
          if (this.admittedFromLine.length > SERVICE_SAMPLES_MAX) this.admittedFromLine.shift();
          if (waiting.estimatedMs !== null && now > waiting.arrival) {
            const actual = now - waiting.arrival;
            this.estimateErrors.push(Math.abs(waiting.estimatedMs - actual) / actual);
            if (this.estimateErrors.length > ESTIMATE_ERRORS_MAX) this.estimateErrors.shift();
          }
        }
        return this.ticketFor(node, req.scope, clientKey, now);
      }
    }
    if (!waiting) {
      if (this.queue.length >= WAITING_ROOM_MAX) throw new ReceptionRefused('waiting_room_full', 'too many people are waiting; try again in a few minutes');
      // A place token from before a restart (or one that lapsed) starts a new place: its id is unknown here.
      waiting = { id: randomBytes(9).toString('base64url'), clientKey, arrival: now, seenAt: now, estimatedMs: null };
      this.queue.push(waiting);
      this.byId.set(waiting.id, waiting);
      this.byClient.set(clientKey, waiting);
    }
    waiting.seenAt = now;
    const at = this.queue.indexOf(waiting);
    const estimate = this.estimate(at, nodes, now);
    if (waiting.estimatedMs === null && estimate.known) waiting.estimatedMs = (estimate.lowMs + estimate.highMs) / 2 + (now - waiting.arrival);
    return { status: 'waiting', place: this.signPlace(waiting.id, waiting.arrival), position: at, estimate, retryAfterMs: this.retryAfter(estimate) };
  }

  /**
   * A waiting client leaves the line on purpose (it pressed Stop): its place is freed now
   * rather than after WAITING_ABANDON_MS, so it holds back nobody behind it. Only the client
   * the place belongs to can give it up. Returns whether there was a place to free.
   * @throws {ReceptionRefused} for a place token not signed here
   */
  leave(place: string | undefined, clientKey: string): boolean {
    const waiting = (place ? this.byId.get(this.openPlace(place).id) : undefined) ?? this.byClient.get(clientKey);
    if (!waiting || waiting.clientKey !== clientKey) return false;
    const at = this.queue.indexOf(waiting);
    if (at >= 0) this.queue.splice(at, 1);
    this.forget(waiting);
    return true;
  }

  /** The operator's view. */
  status(now = this.now()) {
    const nodes = this.live(now);
    this.prune(now);
    const errors = [...this.estimateErrors].sort((a, b) => a - b);
    return {
      nodes: [...this.nodes.values()].map((n) => ({
        id: n.id,
        url: n.url,
        region: n.region,
        capacity: n.capacity,
        active: n.active,
        pending: n.pending.size,
        leasesInFlight: n.leasesInFlight,
        live: nodes.includes(n),
        reportAgeMs: now - n.reportedAt,
        refused: n.refused,
      })),
      waiting: this.queue.length,
      ticketsIssued: this.issued,
      /** Median absolute percentage error of wait estimates against actual waits (null until measured). */
      estimateMdape: errors.length > 0 ? quantileSorted(errors, 0.5) : null,
      estimateSamples: errors.length,
    };
  }
}
