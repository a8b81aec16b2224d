/**
 * @module Integrated results as CSV (RFC 4180, written by csv-stringify): an EBM ensemble as
 * one row per member (its parameters, its equilibria and its sensitivity), a Lorenz-96
 * ensemble as one row per lead time (spread, the event variable and the probability of the
 * event), a trained word-alignment model as its pruned translation table. Empty cells stand for numbers that are not finite.
 */
import { stringify } from 'csv-stringify/sync';
import { EBM_MEMBER_PARAMS } from '../kernels/ebm.codec.ts';
import type { EbmResult } from './ebm-result.ts';
import type { Ibm1Result } from './ibm1.ts';
import type { L96Result } from './lorenz96.ts';
import type { TranslateResult } from './translate-result.ts';

type Cell = string | number | null;

function ebmRecords(r: EbmResult): Cell[][] {
  const forced = r.params.mode === 'sensitivity';
  const header = ['member', ...EBM_MEMBER_PARAMS, 'meanT', 'iceEdgeLat', 'status', 'steps'];
  if (forced) header.push('forcedMeanT', 'forcedIceEdgeLat', 'forcedStatus', 'forcedSteps', 'sensitivity');
  const rows: Cell[][] = [header];
  for (const m of r.members ?? []) {
    const row: Cell[] = [m.member, ...EBM_MEMBER_PARAMS.map((name) => m.params[name]), m.meanT, m.iceEdgeLat, m.status, m.steps];
    if (forced) row.push(m.forced?.meanT ?? null, m.forced?.iceEdgeLat ?? null, m.forced?.status ?? null, m.forced?.steps ?? null, m.sensitivity ?? null);
    rows.push(row);
  }
  return rows;
}

function l96Records(r: L96Result): Cell[][] {
  const rows: Cell[][] = [['leadStep', 'time', 'spreadRms', `mean_x${r.params.eventVar}`, `spread_x${r.params.eventVar}`, `p_x${r.params.eventVar}_gt_${r.params.eventThreshold}`]];
  r.leadSteps.forEach((step, t) => {
    const lt = r.leadTime;
    rows.push([step, lt.time[t]!, lt.spreadRms[t]!, lt.eventMean[t]!, lt.eventSpread[t]!, lt.exceedance[t]!]);
  });
  return rows;
}

/** A translation as one row per segment: source tokens, target tokens, and each target token's source index. */
function translateRecords(r: TranslateResult): Cell[][] {
  return [['segment', 'source', 'translation', 'alignment'], ...r.segments.map((s, k): Cell[] => [k, s.src.join(' '), s.tgt.join(' '), s.align.join(' ')])];
}

/** A trained word-alignment model as its pruned translation table: one row per (source, target) entry. */
function ibm1Records(r: Ibm1Result): Cell[][] {
  const rows: Cell[][] = [['source', 'target', 'p']];
  const { srcVocab, tgtVocab, table } = r.model;
  table.forEach((row, e) => row.tgt.forEach((f, i) => rows.push([e === 0 ? '(NULL)' : srcVocab[e]!, tgtVocab[f]!, row.p[i]!])));
  return rows;
}

/** The CSV text of a job's integrated result; throws for a kind it does not know. */
export function resultCsv(result: { kind: string }): string {
  const records =
    result.kind === 'ebm'
      ? ebmRecords(result as EbmResult)
      : result.kind === 'lorenz96'
        ? l96Records(result as L96Result)
        : result.kind === 'translate'
          ? translateRecords(result as TranslateResult)
          : result.kind === 'ibm1-train'
            ? ibm1Records(result as Ibm1Result)
            : undefined;
  if (!records) throw new RangeError(`no CSV layout for results of kind ${result.kind}`);
  // JSON carried non-finite numbers as null; an empty cell says "no number" in CSV.
  return stringify(records.map((row) => row.map((c) => (c === null || (typeof c === 'number' && !Number.isFinite(c)) ? '' : c))));
}
