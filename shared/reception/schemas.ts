/**
 * @module Reception's contracts, shared by the edge (reception and nodes) and clients:
 * admission requests and answers (a ticket for the least-loaded node, or an honest place in
 * line), ticket claims, and the load a node reports.
 */
import { z } from 'zod';

/** What a ticket admits its holder to. */
export const TICKET_SCOPES = ['volunteer', 'checkout', 'jobs'] as const;
export const TicketScopeSchema = z.enum(TICKET_SCOPES);
export type TicketScope = z.output<typeof TicketScopeSchema>;

/** The header a client proves its binding with: its own random key (base64url, 32 bytes). */
export const CLIENT_KEY_HEADER = 'sparecycles-client-key';
/** The header carrying a claimed admission on a node's API. */
export const ADMISSION_HEADER = 'sparecycles-admission';

export const RECEPTION_PATHS = {
  admit: '/api/reception/admit',
  /** A waiting client gives up its place (POST, with the place token and its client key). */
  leave: '/api/reception/leave',
  status: '/api/reception/status',
  report: '/api/reception/report',
  /** On a node: exchange a ticket for an admission; DELETE ends it and frees the slot. */
  admission: '/api/admission',
  /** On every edge: whether this site's browser clients go through reception, and where it is. */
  config: '/api/reception/config',
} as const;

/** `GET /api/reception/config`: how the web app reaches work on this site. */
export const ReceptionConfigSchema = z.object({
  /** Volunteer work, job submission and checkout need an admission from reception. */
  required: z.boolean(),
  /** Where reception is; empty when it is this page's own origin. */
  receptionUrl: z.string(),
});
export type ReceptionConfig = z.output<typeof ReceptionConfigSchema>;

/** The decrypted content of a ticket (only reception and nodes can read it). */
export interface TicketClaims {
  /** Ticket id (single use). */
  id: string;
  /** The node it admits to. */
  node: string;
  /** The client's key (the ticket is encrypted, so only reception and nodes see it). */
  client: string;
  /** The client's address, when reception binds it. */
  addr?: string;
  /** Not valid before / expires at, epoch ms. */
  nbf: number;
  exp: number;
  scope: TicketScope;
}

export const AdmitRequestSchema = z.strictObject({
  scope: TicketScopeSchema,
  /** A place-in-line token from an earlier answer: keeps the client's place across reloads. */
  place: z.string().max(512).optional(),
  /** A region the client prefers (proximity); breaks ties between equally loaded nodes. */
  region: z.string().max(32).optional(),
});
export type AdmitRequest = z.input<typeof AdmitRequestSchema>;

export const LeaveRequestSchema = z.strictObject({ place: z.string().max(512).optional() });

export const WaitEstimateSchema = z.object({
  /** Range of the expected wait, in ms. */
  lowMs: z.int(),
  highMs: z.int(),
  /** False while reception has too few measured service times to estimate from. */
  known: z.boolean(),
});

export const AdmitResponseSchema = z.discriminatedUnion('status', [
  z.object({
    status: z.literal('admitted'),
    node: z.object({ id: z.string(), url: z.string() }),
    ticket: z.string(),
    /** Epoch ms after which the ticket is no longer accepted. */
    expiresAt: z.int(),
  }),
  z.object({
    status: z.literal('waiting'),
    /** Signed arrival time: send it back to keep the place. */
    place: z.string(),
    /** Clients ahead in line (0: next). */
    position: z.int(),
    estimate: WaitEstimateSchema,
    /** When to ask again (jittered), in ms; also sent as Retry-After. */
    retryAfterMs: z.int(),
  }),
]);
export type AdmitResponse = z.output<typeof AdmitResponseSchema>;

/** A ticket claimed on its node, for what the client means to do there. */
export const ClaimRequestSchema = z.strictObject({ ticket: z.string().min(1).max(1024), scope: TicketScopeSchema });
export const ClaimResponseSchema = z.object({ admission: z.string(), scope: TicketScopeSchema, expiresAt: z.int() });
export type ClaimResponse = z.output<typeof ClaimResponseSchema>;

/** What a node tells reception about itself. */
export const NodeReportSchema = z.strictObject({
  node: z.string().min(1).max(64),
  url: z.url(),
  region: z.string().max(32).default(''),
  /** Admissions the node takes at once. */
  capacity: z.int().min(0).max(1_000_000),
  /** Admissions in use now. */
  active: z.int().min(0),
  /** Leases handed out and not yet returned. */
  leasesInFlight: z.int().min(0).default(0),
  /** How long recent admissions lasted (ms), newest last; feeds the wait estimate. */
  serviceMs: z.array(z.number().nonnegative()).max(256).default([]),
});
export type NodeReport = z.input<typeof NodeReportSchema>;
/** A report as reception reads it: with the ticket ids claimed since the last one and refusals so far, by reason. */
export const FullNodeReportSchema = NodeReportSchema.extend({
  claimed: z.array(z.string().max(64)).max(10_000).default([]),
  refused: z.record(z.string(), z.int()).default({}),
});
export type FullNodeReport = z.output<typeof FullNodeReportSchema>;

/** `GET /api/reception/status` (operator): nodes with load and capacity, the line, tickets, estimate error. */
export const ReceptionStatusSchema = z.object({
  nodes: z.array(
    z.object({
      id: z.string(),
      url: z.string(),
      region: z.string(),
      capacity: z.int(),
      active: z.int(),
      /** Tickets issued for the node and not yet claimed. */
      pending: z.int(),
      leasesInFlight: z.int(),
      live: z.boolean(),
      reportAgeMs: z.number(),
      /** Tickets the node refused, by problem type. */
      refused: z.record(z.string(), z.int()),
    }),
  ),
  waiting: z.int(),
  ticketsIssued: z.int(),
  estimateMdape: z.number().nullable(),
  estimateSamples: z.int(),
});
export type ReceptionStatus = z.output<typeof ReceptionStatusSchema>;
