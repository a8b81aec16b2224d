/**
 * @module The CLI's progress display: a bar redrawn in place on a terminal, or a line per
 * tenth of the job (and per change of status) when stderr is a file or a pipe, so logs stay
 * short.
 */
import type { JobProgress } from '../shared/api/schemas.ts';

/** Width of the bar in characters. */
const BAR_CHARS = 30;

/** "1h 02m", "3m 05s", "12s". */
export function formatSeconds(s: number): string {
  const t = Math.max(0, Math.round(s));
  if (t >= 3600) return `${Math.floor(t / 3600)}h ${String(Math.floor((t % 3600) / 60)).padStart(2, '0')}m`;
  if (t >= 60) return `${Math.floor(t / 60)}m ${String(t % 60).padStart(2, '0')}s`;
  return `${t}s`;
}

/** One line describing the progress, e.g. `[#####-----]  50% 2/4 units · 0.5 units/s · ETA 4s`. */
export function progressLine(p: JobProgress): string {
  const decided = p.valid + p.failed + p.cancelled;
  const fraction = p.unitsTotal > 0 ? p.valid / p.unitsTotal : 0;
  const filled = Math.round(fraction * BAR_CHARS);
  const bar = `[${'#'.repeat(filled)}${'-'.repeat(BAR_CHARS - filled)}]`;
  const parts = [`${bar} ${String(Math.floor(fraction * 100)).padStart(3)}% ${p.valid}/${p.unitsTotal} units valid`];
  if (p.failed > 0) parts.push(`${p.failed} failed`);
  if (p.status !== 'running') parts.push(p.status);
  else if (p.unitsPerSecond) parts.push(`${p.unitsPerSecond.toFixed(2)} units/s`, `ETA ${formatSeconds(p.etaSeconds ?? 0)}`);
  else if (decided < p.unitsTotal) parts.push('waiting for volunteers');
  return parts.join(' · ');
}

/** Draws progress on `out`: in place on a TTY, else a line per 10 % step or status change. */
export function progressRenderer(out: NodeJS.WriteStream | { write(s: string): boolean; isTTY?: boolean }) {
  let lastDecile = -1;
  let lastStatus = '';
  let drawn = false;
  return {
    update(p: JobProgress): void {
      const line = progressLine(p);
      if (out.isTTY) {
        out.write(`\r\x1b[2K${line}`);
        drawn = true;
        return;
      }
      const decile = p.unitsTotal > 0 ? Math.floor((10 * p.valid) / p.unitsTotal) : 0;
      if (decile !== lastDecile || p.status !== lastStatus) out.write(`${line}\n`);
      lastDecile = decile;
      lastStatus = p.status;
    },
    /** Ends the in-place line, so what follows starts on its own line. */
    done(): void {
      if (drawn) out.write('\n');
      drawn = false;
    },
  };
}
