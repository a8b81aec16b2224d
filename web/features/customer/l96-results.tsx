/**
 * @module A Lorenz-96 ensemble's results over lead time: the ensemble spread, the event
 * variable's mean and spread, and the probability of the event.
 */
import type { L96Result } from '../../../shared/jobs/lorenz96.ts';
import { LineChart } from './charts.tsx';

type L96Summary = Pick<L96Result, 'params' | 'leadTime' | 'membersDone'>;

export function L96Results({ result }: { result: L96Summary }) {
  const { leadTime: lt, params: p } = result;
  const x = lt.time;
  return (
    <div class="results" data-testid="results">
      <p data-testid="members-done">
        {result.membersDone} of {p.members} members done{p.cycles > 1 ? ' (in the last window)' : ''}.
      </p>
      <div class="chart-grid">
        <LineChart testid="chart-spread" title="Ensemble spread (RMS over variables)" xLabel="lead time" yLabel="spread" x={x} series={[{ label: 'spread', values: lt.spreadRms }]} />
        <LineChart
          testid="chart-event-var"
          title={`Variable x${p.eventVar}: ensemble mean ± spread`}
          xLabel="lead time"
          yLabel={`x${p.eventVar}`}
          x={x}
          series={[
            { label: 'mean', values: lt.eventMean },
            { label: 'mean − spread', values: lt.eventMean.map((m, i) => m - lt.eventSpread[i]!), dash: true },
            { label: 'mean + spread', values: lt.eventMean.map((m, i) => m + lt.eventSpread[i]!), dash: true },
          ]}
        />
        <LineChart
          testid="chart-exceedance"
          title={`Probability that x${p.eventVar} > ${p.eventThreshold}`}
          xLabel="lead time"
          yLabel="probability"
          x={x}
          series={[{ label: 'probability', values: lt.exceedance }]}
        />
      </div>
    </div>
  );
}
