/**
 * @module A work node's side of admission: it exchanges a valid ticket (verified locally,
 * no call to reception) for an admission, holds at most `capacity` admissions at once, ends
 * an admission when its client says so or stops using it, and reports its load, the tickets
 * it accepted, the refusals it made and the service times it measured to reception.
 *
 * A refusal is an {@link AdmissionRefused} thrown by `claim` and `check` (the reception
 * routes answer it as the problem of its type), named by the problem type the node's report
 * counts it under; ticket checks themselves are the status union of tickets.ts.
 */
import { randomBytes } from 'node:crypto';
import type { ClaimResponse, FullNodeReport, TicketScope } from '../../shared/reception/schemas.ts';
import { ADMISSION_IDLE_MS, SERVICE_SAMPLES_MAX } from '../../shared/limits.ts';
import type { Store } from '../db/index.ts';
import { CLAIMED_IDS_PER_REPORT_MAX } from './reception.ts';
import { UsedTickets, sameClient, verifyTicket, type TicketKeyring, type TicketRefusal } from './tickets.ts';

/**
 * Why a node refuses a ticket or a request, named by its problem type: the node's report
 * counts refusals by problem type (shared/reception/schemas.ts), and clients get that type.
 */
export type NodeRefusalType =
  | 'ticket-forged'
  | 'ticket-not-yet-valid'
  | 'ticket-expired'
  | 'ticket-wrong-node'
  | 'ticket-wrong-client'
  | 'ticket-wrong-scope'
  | 'ticket-used'
  | 'node-full'
  | 'admission-required';

/** The refusal type of each refused ticket check. */
const TICKET_REFUSALS = {
  forged: 'ticket-forged',
  not_yet_valid: 'ticket-not-yet-valid',
  expired: 'ticket-expired',
  wrong_node: 'ticket-wrong-node',
  wrong_client: 'ticket-wrong-client',
  wrong_scope: 'ticket-wrong-scope',
  used: 'ticket-used',
} as const satisfies Record<TicketRefusal['status'], NodeRefusalType>;

/** A node's refusal of a ticket or a request, with the sentence its client gets. */
export class AdmissionRefused extends Error {
  override name = 'AdmissionRefused';
  constructor(
    /** The refusal's problem type (see {@link NodeRefusalType}). */
    readonly slug: NodeRefusalType,
    readonly detail: string,
  ) {
    super(detail);
  }
}

interface Admission {
  scope: TicketScope;
  client: string;
  startedAt: number;
  usedAt: number;
}

/** A node: its id and URL (as reception tells clients), its capacity, the ticket keys, and where used tickets are remembered. */
export interface NodeAdmissionsOptions {
  node: string;
  url: string;
  region?: string;
  capacity: number;
  ring: TicketKeyring;
  store?: Store;
  now?: () => number;
}

/**
 * The admissions a node holds, and what it reports to reception.
 * @example
 * const node = new NodeAdmissions({ node: 'n1', url: 'https://n1.example', capacity: 50, ring, store });
 * const { admission } = await node.claim(ticket, clientKey, 'volunteer');
 */
export class NodeAdmissions {
  private readonly admissions = new Map<string, Admission>();
  private readonly used = new UsedTickets();
  private claimedSinceReport: string[] = [];
  private serviceSinceReport: number[] = [];
  private readonly refused: Record<string, number> = {};
  /** Most admissions ever held at once (never above capacity). */
  peak = 0;
  readonly now: () => number;

  constructor(readonly options: NodeAdmissionsOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Counts a refusal by its type for the report, and throws it. */
  private refuse(type: NodeRefusalType, detail: string): never {
    this.refused[type] = (this.refused[type] ?? 0) + 1;
    throw new AdmissionRefused(type, detail);
  }

  /** Ends admissions idle past {@link ADMISSION_IDLE_MS} (their clients left), freeing the slots. */
  private expireIdle(now: number): void {
    for (const [token, a] of this.admissions) if (now - a.usedAt > ADMISSION_IDLE_MS) this.finish(token, a, now);
  }

  private finish(token: string, a: Admission, now: number): void {
    this.admissions.delete(token);
    this.serviceSinceReport.push(now - a.startedAt);
    if (this.serviceSinceReport.length > SERVICE_SAMPLES_MAX) this.serviceSinceReport.shift();
  }

  /**
   * Exchanges a ticket for an admission.
   * @throws {AdmissionRefused} for a bad ticket, a used one or a full node, each its own type
   */
  async claim(ticket: string, clientKey: string | undefined, scope: TicketScope, addr?: string): Promise<ClaimResponse> {
    const now = this.now();
    const checked = verifyTicket(this.options.ring, ticket, { node: this.options.node, clientKey, scope, addr }, now, this.used);
    if (checked.status !== 'ok') this.refuse(TICKET_REFUSALS[checked.status], checked.detail);
    const claims = checked.ticket;
    this.expireIdle(now);
    if (this.admissions.size >= this.options.capacity) this.refuse('node-full', 'this node is full; ask reception again');
    if (!this.used.add(claims.id, claims.exp, now)) this.refuse('node-full', 'this node is remembering too many tickets; ask reception again');
    if (this.options.store) {
      // The database remembers used tickets across restarts (and across processes sharing it).
      const r = await this.options.store.db
        .insertInto('used_tickets')
        .values({ id: claims.id, node: claims.node, expires_at: claims.exp })
        .onConflict((oc) => oc.column('id').doNothing())
        .executeTakeFirst();
      if (Number(r.numInsertedOrUpdatedRows ?? 0n) === 0) this.refuse('ticket-used', 'the ticket was already used');
    }
    const token = randomBytes(24).toString('base64url');
    this.admissions.set(token, { scope, client: claims.client, startedAt: now, usedAt: now });
    this.peak = Math.max(this.peak, this.admissions.size);
    this.claimedSinceReport.push(claims.id);
    if (this.claimedSinceReport.length > CLAIMED_IDS_PER_REPORT_MAX) this.claimedSinceReport.shift();
    return { admission: token, scope, expiresAt: now + ADMISSION_IDLE_MS };
  }

  /**
   * Checks an admission for `scope` on a request, and keeps it alive.
   * @throws {AdmissionRefused} without a live admission, or for another client or scope
   */
  check(token: string | undefined, clientKey: string | undefined, scope: TicketScope): void {
    const now = this.now();
    const a = token ? this.admissions.get(token) : undefined;
    if (!a || now - a.usedAt > ADMISSION_IDLE_MS) {
      if (a && token) this.finish(token, a, now);
      this.refuse('admission-required', 'ask reception for a ticket and claim it on this node first');
    }
    if (!sameClient(clientKey, a.client)) this.refuse('ticket-wrong-client', 'this admission belongs to another client');
    if (a.scope !== scope) this.refuse('ticket-wrong-scope', `this admission is for ${a.scope}, not ${scope}`);
    a.usedAt = now;
  }

  /** Ends an admission (the session or order is over): its ticket is spent and its slot free. */
  end(token: string | undefined, clientKey: string | undefined): boolean {
    const a = token ? this.admissions.get(token) : undefined;
    if (!a || !token || !sameClient(clientKey, a.client)) return false;
    this.finish(token, a, this.now());
    return true;
  }

  get active(): number {
    return this.admissions.size;
  }

  /** Puts back what an undelivered report drained, for the next report. */
  restore(report: { claimed: string[]; serviceMs?: number[] }): void {
    this.claimedSinceReport = [...report.claimed, ...this.claimedSinceReport].slice(-CLAIMED_IDS_PER_REPORT_MAX);
    this.serviceSinceReport = [...(report.serviceMs ?? []), ...this.serviceSinceReport].slice(-SERVICE_SAMPLES_MAX);
  }

  /** The report for reception; drains what it reports once (claimed ids, service times). */
  takeReport(leasesInFlight = 0): FullNodeReport {
    const now = this.now();
    this.expireIdle(now);
    this.used.sweep(now);
    const report = {
      node: this.options.node,
      url: this.options.url,
      region: this.options.region ?? '',
      capacity: this.options.capacity,
      active: this.admissions.size,
      leasesInFlight,
      serviceMs: this.serviceSinceReport,
      claimed: this.claimedSinceReport,
      refused: { ...this.refused },
    };
    this.serviceSinceReport = [];
    this.claimedSinceReport = [];
    return report;
  }
}
