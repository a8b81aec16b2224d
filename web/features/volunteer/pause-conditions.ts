/**
 * @module Why the volunteer page pauses on its own, as a pure function of the settings and
 * what the device reports, so every rule is testable without a browser.
 */
import type { VolunteerSettings } from '../../storage/db.ts';

/** What the page knows about the device now. */
export interface DeviceState {
  hidden: boolean;
  /** Undefined where the browser has no Battery API. */
  battery?: { level: number; charging: boolean };
  /** Local time, minutes after midnight. */
  minuteOfDay: number;
}

export type PauseReason =
  | { kind: 'doNotDisturb' }
  | { kind: 'hidden' }
  | { kind: 'battery'; levelPercent: number; minPercent: number }
  | { kind: 'hours'; startMinute: number; endMinute: number };

/** True when `minute` lies in [start, end), a window that may wrap past midnight. */
export function inWindow(minute: number, start: number, end: number): boolean {
  if (start === end) return false;
  return start < end ? minute >= start && minute < end : minute >= start || minute < end;
}

/** Every reason to pause now; empty when work may run. */
export function pauseReasons(settings: VolunteerSettings, device: DeviceState): PauseReason[] {
  const reasons: PauseReason[] = [];
  if (settings.doNotDisturb) reasons.push({ kind: 'doNotDisturb' });
  if (settings.pauseWhenHidden && device.hidden) reasons.push({ kind: 'hidden' });
  const b = device.battery;
  if (settings.battery.enabled && b && !b.charging) {
    const levelPercent = Math.round(b.level * 100);
    if (levelPercent < settings.battery.minPercent) reasons.push({ kind: 'battery', levelPercent, minPercent: settings.battery.minPercent });
  }
  const h = settings.quietHours;
  if (h.enabled && inWindow(device.minuteOfDay, h.startMinute, h.endMinute)) reasons.push({ kind: 'hours', startMinute: h.startMinute, endMinute: h.endMinute });
  return reasons;
}

/** Milliseconds from `date` to the next minute boundary at which the quiet-hours answer may change. */
export function msUntilWindowEdge(date: Date, start: number, end: number): number {
  const minute = date.getHours() * 60 + date.getMinutes();
  const day = 24 * 60;
  const toEdge = (edge: number) => ((edge - minute + day) % day || day);
  const minutes = Math.min(toEdge(start), toEdge(end));
  return minutes * 60_000 - date.getSeconds() * 1000 - date.getMilliseconds();
}
