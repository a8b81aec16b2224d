/**
 * @module What the coordinator needs from outside the unit lifecycle, as ports: the jobs
 * that own its units are told when units are decided (they may then finish or issue their
 * next iteration), so the coordinator never imports job internals. The composition root
 * (edge/app.ts) plugs edge/jobs in.
 */
import type { Store } from '../db/index.ts';
import type { Op } from '../db/prepared.ts';
import type { JobFundingCache } from './funding.ts';

/** How units were just decided: validated, failed, or a valid unit sent back for a check. */
export type UnitsDecided = 'valid' | 'failed' | 'reopened';

/** The jobs' side of the lifecycle. */
export interface JobsPort {
  /**
   * Counts `count` units of `jobId` just decided `how`, inside the transaction that decided
   * them; once every unit is decided the job integrates its results or fails, in that
   * transaction (SQLite) or after its commit (PostgreSQL: the job is named in
   * `c.decidedJobs`, and the caller calls {@link finishDecidedJobs}).
   */
  unitsDecidedOp(jobId: string, how: UnitsDecided, count: number, c: TxContext): Op<void>;
  /** After the commit of a transaction whose context named `jobIds` decided: finishes those now done, each once. */
  finishDecidedJobs(store: Store, jobIds: Iterable<string>, now: number): Promise<void>;
  /**
   * The server's run replaced the canonical bytes of a valid unit of `jobId`: a job that
   * already delivered its result integrates it again and records the amendment.
   */
  unitCorrectedOp(jobId: string, unitId: number, now: number): Op<void>;
}

/** What every coordinator op of one transaction shares. */
export interface TxContext {
  /** The transaction's clock (epoch ms). */
  now: number;
  /** PostgreSQL: lock rows before changing them (SQLite runs one writer at a time). */
  locking: boolean;
  jobs: JobsPort;
  /** Jobs whose units this transaction decided, to finish after commit (PostgreSQL; see JobsPort). */
  decidedJobs: Set<string>;
  /** Randomness for spot checks and samples (injectable for tests). */
  random: () => number;
  /** Jobs' funding (trial credit only or paid), cached per coordinator (funding.ts). */
  funding: JobFundingCache;
  /**
   * `peers`: any quorum of equal results decides and the server checks nothing (the rule
   * before server verification), for the trust bench's comparison run only. @default 'trust'
   */
  rule?: 'trust' | 'peers';
}
