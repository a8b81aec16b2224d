/**
 * @module A small bar chart of units completed per minute, in plain SVG (no chart library:
 * a few rectangles do not need one). Its numbers are also in the accessible label.
 */
import { useText } from '../../i18n/index.ts';

const WIDTH = 300;
const HEIGHT = 48;

export function ActivityChart({ bins }: { bins: number[] }) {
  const t = useText().volunteer;
  const max = Math.max(1, ...bins);
  const barWidth = WIDTH / Math.max(1, bins.length);
  const total = bins.reduce((a, b) => a + b, 0);
  return (
    <figure class="activity" data-testid="activity-chart" data-total={total}>
      <figcaption class="small muted">{t.chartTitle(bins.length)}</figcaption>
      {total === 0 ? (
        <p class="small muted">{t.chartEmpty}</p>
      ) : (
        <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} width="100%" height={HEIGHT} role="img" aria-label={`${t.chartTitle(bins.length)}: ${bins.join(', ')}`} preserveAspectRatio="none">
          <line x1="0" y1={HEIGHT - 0.5} x2={WIDTH} y2={HEIGHT - 0.5} class="activity-axis" />
          {bins.map((n, i) => {
            const h = (n / max) * (HEIGHT - 2);
            return n > 0 ? <rect key={i} x={i * barWidth + 1} y={HEIGHT - 1 - h} width={Math.max(1, barWidth - 2)} height={h} class="activity-bar" /> : null;
          })}
        </svg>
      )}
    </figure>
  );
}
