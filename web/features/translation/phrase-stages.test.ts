/**
 * @module Tests of the phrase-based training job's stage list: which stage is marked, the
 * labels i/N and r/R, the progress within a stage (both directions' pairs while aligning,
 * the round's units while tuning), and a job stopped mid-stage.
 */
import { describe, expect, it } from 'vitest';
import { currentIterationUnits, isFinalPhraseDoc, phraseAtOf, phrasePlanOf, phraseStageRows } from './phrase-stages.ts';

const plan = { alignIterations: 5, tuningRounds: 3 };

describe('phrase-based training stages', () => {
  it('reads the plan from the job parameters, the schema defaults filling what they leave out', () => {
    expect(phrasePlanOf({})).toEqual({ alignIterations: 5, tuningRounds: 5 });
    expect(phrasePlanOf({ alignIterations: 3, tuningRounds: 0, corpus: { format: 'tsv' } })).toEqual({ alignIterations: 3, tuningRounds: 0 });
  });

  it('marks the alignment iteration that runs, with both directions’ pairs as its progress', () => {
    // Iteration 2 (0-based) is EM iteration 3 of 5; 150 of 2 × 100 pairs done.
    const rows = phraseStageRows(plan, phraseAtOf({ kind: 'phrase-train', stage: 'align', iteration: 2, membersDone: 150, pairs: 100 }), { membersDone: 150, pairs: 100, unitsTotal: 12, unitsValid: 10 }, true);
    expect(rows).toEqual([
      { key: 'align', label: 'Alignment EM 3/5', state: 'current', progress: { value: 150, max: 200, text: '150 of 200 sentence pairs (both directions)' } },
      { key: 'viterbi', label: 'Viterbi alignment, then phrase extraction and the language model', state: 'pending', progress: undefined },
      { key: 'tuning', label: 'Tuning, 3 rounds', state: 'pending', progress: undefined },
    ]);
    // Without the iteration number the stage is still marked, its count not guessed.
    expect(phraseStageRows(plan, { stage: 'align' }, undefined, true)[0]).toMatchObject({ label: 'Alignment EM, 5 iterations', state: 'current', progress: undefined });
  });

  it('marks the tuning round that runs, with its share of the round’s units', () => {
    // 60 units in all, 54 valid of which 4 in this round: 54 − 4 = 50 before it, so 60 − 50 = 10 in it.
    const rows = phraseStageRows(plan, phraseAtOf({ kind: 'phrase-train', stage: 'tuning', round: 2, membersDone: 4, pairs: 100 }), { membersDone: 4, pairs: 100, unitsTotal: 60, unitsValid: 54 }, true);
    expect(rows.map((r) => [r.label, r.state])).toEqual([
      ['Alignment EM 5/5', 'done'],
      ['Viterbi alignment, then phrase extraction and the language model', 'done'],
      ['Tuning round 2/3', 'current'],
    ]);
    expect(rows[2]!.progress).toEqual({ value: 4, max: 10, text: '4 of 10 dev-set units decoded' });
  });

  it('counts the running iteration’s units, never fewer than are done', () => {
    expect(currentIterationUnits(60, 54, 4)).toBe(10);
    // The live count ran ahead of the partial result: 12 − (12 − 3) = 3 at least.
    expect(currentIterationUnits(10, 12, 3)).toBe(3);
  });

  it('lists no tuning row without tuning rounds, marks all done at the end and a stopped stage as stopped', () => {
    const noTuning = { alignIterations: 2, tuningRounds: 0 };
    expect(phraseStageRows(noTuning, { stage: 'done' }, undefined, false).map((r) => [r.key, r.state])).toEqual([
      ['align', 'done'],
      ['viterbi', 'done'],
    ]);
    expect(phraseStageRows(plan, { stage: 'viterbi' }, { membersDone: 40, pairs: 100, unitsTotal: 24, unitsValid: 20 }, false).map((r) => r.state)).toEqual(['done', 'stopped', 'pending']);
  });

  it('tells the final result from a partial one', () => {
    expect(isFinalPhraseDoc({ kind: 'phrase-train', stage: 'tuning', round: 1, membersDone: 0, pairs: 3 })).toBe(false);
    const final = { kind: 'phrase-train', tuning: [] } as unknown as Parameters<typeof isFinalPhraseDoc>[0];
    expect(isFinalPhraseDoc(final)).toBe(true);
  });
});
