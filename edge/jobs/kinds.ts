/**
 * @module How the edge splits and integrates each job kind; the kinds themselves (schemas,
 * splitters, assimilators) live in shared/jobs so the browser and tests use the same code.
 */
import type { JobKind, JobRequest } from '../../shared/jobs/kinds.ts';
import { L96_KERNEL, L96ParamsSchema, assimilateL96, nextL96, splitL96, type SplitUnit } from '../../shared/jobs/lorenz96.ts';

/** What the edge needs to know of a job kind. */
export interface JobKindHandler {
  kernel: { id: string; version: number };
  split(params: unknown): SplitUnit[];
  /** Total units over every iteration, for the quote (an upper bound for open-ended kinds). */
  unitsQuoted(params: unknown, firstIteration: SplitUnit[]): SplitUnit[];
  /**
   * For iterative kinds: the next iteration's units from this iteration's canonical outputs
   * (in unit order), or `null` when the job is done.
   */
  next?(params: unknown, outputs: Uint8Array[], iteration: number): SplitUnit[] | null;
  /** Integrates canonical outputs, in unit order, into the result document. */
  assimilate(params: unknown, outputs: Uint8Array[]): unknown;
}

export const JOB_KIND_HANDLERS: Record<JobKind, JobKindHandler> = {
  lorenz96: {
    kernel: L96_KERNEL,
    split: (params) => splitL96(L96ParamsSchema.parse(params)),
    unitsQuoted: (params, first) => Array.from({ length: L96ParamsSchema.parse(params).cycles }, () => first).flat(),
    next: (params, outputs, iteration) => nextL96(L96ParamsSchema.parse(params), outputs, iteration),
    assimilate: (params, outputs) => assimilateL96(L96ParamsSchema.parse(params), outputs),
  },
};

export type { JobRequest };
