/**
 * @module The volunteer settings: defaults, and a sanitizer that turns whatever storage
 * holds (an older shape, a damaged record) into valid settings, so the page never runs on
 * a nonsensical value.
 */
import { WORKERS_PER_TAB_MAX } from '../../../shared/limits.ts';
import { clampDuty } from '../../../shared/volunteer/unit-runner.ts';
import { migratedSettings, type VolunteerSettings } from '../../storage/db.ts';

export type { VolunteerSettings };

/** Throttle choices offered (percent of one core per worker). */
export const DUTY_CHOICES = [25, 50, 75, 100] as const;
const MINUTES_PER_DAY = 24 * 60;

/** Leave one logical processor to the page and the rest of the machine. */
export function defaultWorkers(cores: number | undefined): number {
  return clampWorkers((cores || 2) - 1);
}

export function clampWorkers(n: number): number {
  return Number.isFinite(n) ? Math.min(WORKERS_PER_TAB_MAX, Math.max(1, Math.trunc(n))) : 1;
}

export function defaultSettings(cores: number | undefined): VolunteerSettings {
  return migratedSettings(defaultWorkers(cores));
}

const bool = (v: unknown, d: boolean): boolean => (typeof v === 'boolean' ? v : d);
const minute = (v: unknown, d: number): number =>
  typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < MINUTES_PER_DAY ? v : d;

/** Valid settings from a stored value of any shape; missing or bad fields take the defaults. */
export function sanitizeSettings(stored: unknown, cores: number | undefined): VolunteerSettings {
  const d = defaultSettings(cores);
  if (typeof stored !== 'object' || stored === null) return d;
  const s = stored as Partial<Record<keyof VolunteerSettings, unknown>>;
  const hours = (typeof s.quietHours === 'object' && s.quietHours) || {};
  const battery = (typeof s.battery === 'object' && s.battery) || {};
  const h = hours as Record<string, unknown>;
  const b = battery as Record<string, unknown>;
  const minPercent = typeof b.minPercent === 'number' && b.minPercent >= 1 && b.minPercent <= 99 ? Math.round(b.minPercent) : d.battery.minPercent;
  return {
    workerCount: typeof s.workerCount === 'number' ? clampWorkers(s.workerCount) : d.workerCount,
    dutyPercent: typeof s.dutyPercent === 'number' ? clampDuty(s.dutyPercent) : d.dutyPercent,
    pauseWhenHidden: bool(s.pauseWhenHidden, d.pauseWhenHidden),
    doNotDisturb: bool(s.doNotDisturb, d.doNotDisturb),
    quietHours: {
      enabled: bool(h.enabled, d.quietHours.enabled),
      startMinute: minute(h.startMinute, d.quietHours.startMinute),
      endMinute: minute(h.endMinute, d.quietHours.endMinute),
    },
    battery: { enabled: bool(b.enabled, d.battery.enabled), minPercent },
    running: bool(s.running, d.running),
  };
}

/** `HH:MM` → minutes after midnight; undefined when it is not a time of day. */
export function parseTime(text: string): number | undefined {
  const m = /^([01]?\d|2[0-3]):([0-5]\d)$/.exec(text.trim());
  return m ? Number(m[1]) * 60 + Number(m[2]) : undefined;
}

/** Minutes after midnight → `HH:MM`. */
export function formatTime(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}
