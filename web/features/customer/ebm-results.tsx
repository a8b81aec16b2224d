/**
 * @module An EBM ensemble's results as they come in: how the members ended (equilibrium,
 * snowball, ice-free), the distributions of climate sensitivity, global-mean temperature and
 * ice-edge latitude, and the temperature profile's mean and 5–95 % band.
 */
import type { EbmResult } from '../../../shared/jobs/ebm-result.ts';
import type { Summary } from '../../../shared/jobs/stats.ts';
import { HistogramChart, LineChart } from './charts.tsx';
import { formatNumber } from './format.ts';

function SummaryLine({ s, unit }: { s: Summary; unit: string }) {
  if (s.count === 0) return <p class="small muted">No member has reached equilibrium yet.</p>;
  return (
    <p class="small">
      {s.count} members: mean {formatNumber(s.mean)} {unit}, spread (sd) {formatNumber(s.sd)} {unit}, 90 % between {formatNumber(s.p05)} and {formatNumber(s.p95)}{' '}
      {unit}, median {formatNumber(s.p50)} {unit}.
    </p>
  );
}

export function EbmResults({ result }: { result: Omit<EbmResult, 'members'> }) {
  const { counts, stats, histograms } = result;
  return (
    <div class="results" data-testid="results">
      <p data-testid="members-done">
        {result.membersDone} of {result.membersTotal} members done: {counts.converged} in equilibrium ({counts.snowball} snowball, {counts.iceFree} ice-free)
        {counts.notConverged > 0 ? `, ${counts.notConverged} not in equilibrium within the steps allowed` : ''}
        {counts.diverged > 0 ? `, ${counts.diverged} blew up` : ''}.
      </p>
      <div class="chart-grid">
        {stats.sensitivity && histograms.sensitivity && (
          <HistogramChart testid="chart-sensitivity" title="Equilibrium climate sensitivity" xLabel="warming (K)" {...histograms.sensitivity}>
            <SummaryLine s={stats.sensitivity} unit="K" />
          </HistogramChart>
        )}
        <HistogramChart testid="chart-meanT" title="Global-mean temperature" xLabel="°C" {...histograms.meanT}>
          <SummaryLine s={stats.meanT} unit="°C" />
        </HistogramChart>
        <HistogramChart testid="chart-ice-edge" title="Ice-edge latitude (90 = no ice, 0 = snowball)" xLabel="degrees" {...histograms.iceEdgeLat}>
          <SummaryLine s={stats.iceEdgeLat} unit="°" />
        </HistogramChart>
        {result.profile && (
          <LineChart
            testid="chart-profile"
            title="Temperature against latitude"
            xLabel="latitude (°)"
            yLabel="°C"
            x={result.profile.lat}
            series={[
              { label: 'mean', values: result.profile.mean },
              { label: '5 %', values: result.profile.p05, dash: true },
              { label: '95 %', values: result.profile.p95, dash: true },
              ...(result.profile.forcedMean ? [{ label: 'mean with forcing', values: result.profile.forcedMean }] : []),
            ]}
          />
        )}
      </div>
    </div>
  );
}
