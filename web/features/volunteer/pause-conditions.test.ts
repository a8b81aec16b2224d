/**
 * @module Tests of the pause rules and of the settings sanitizer.
 */
import { describe, expect, it } from 'vitest';
import { WORKERS_PER_TAB_MAX } from '../../../shared/limits.ts';
import { inWindow, msUntilWindowEdge, pauseReasons, type DeviceState } from './pause-conditions.ts';
import { defaultSettings, parseTime, sanitizeSettings, formatTime } from './settings.ts';

const awake: DeviceState = { hidden: false, minuteOfDay: 12 * 60 };

describe('pauseReasons', () => {
  it('runs with the defaults on a visible tab, whatever the battery when charging', () => {
    expect(pauseReasons(defaultSettings(4), awake)).toEqual([]);
    expect(pauseReasons(defaultSettings(4), { ...awake, battery: { level: 0.05, charging: true } })).toEqual([]);
  });

  it('pauses for do-not-disturb, a hidden tab (when asked), low battery and quiet hours', () => {
    const s = { ...defaultSettings(4), doNotDisturb: true, pauseWhenHidden: true, quietHours: { enabled: true, startMinute: 22 * 60, endMinute: 7 * 60 } };
    const kinds = pauseReasons(s, { hidden: true, battery: { level: 0.1, charging: false }, minuteOfDay: 23 * 60 }).map((r) => r.kind);
    expect(kinds).toEqual(['doNotDisturb', 'hidden', 'battery', 'hours']);
    expect(pauseReasons({ ...defaultSettings(4), pauseWhenHidden: false }, { ...awake, hidden: true })).toEqual([]);
    expect(pauseReasons(defaultSettings(4), { ...awake, battery: { level: 0.2, charging: false } })).toEqual([]);
    expect(pauseReasons(defaultSettings(4), { ...awake, battery: { level: 0.19, charging: false } })).toEqual([{ kind: 'battery', levelPercent: 19, minPercent: 20 }]);
  });

  it('handles windows that wrap past midnight, and empty windows', () => {
    expect(inWindow(6 * 60 + 59, 22 * 60, 7 * 60)).toBe(true);
    expect(inWindow(7 * 60, 22 * 60, 7 * 60)).toBe(false);
    expect(inWindow(10 * 60, 9 * 60, 17 * 60)).toBe(true);
    expect(inWindow(10 * 60, 9 * 60, 9 * 60)).toBe(false);
  });

  it('knows when the hours answer may next change', () => {
    const at = new Date(2026, 0, 1, 21, 59, 30, 0);
    expect(msUntilWindowEdge(at, 22 * 60, 7 * 60)).toBe(30_000);
    expect(msUntilWindowEdge(new Date(2026, 0, 1, 22, 0, 0, 0), 22 * 60, 7 * 60)).toBe(9 * 3_600_000);
  });
});

describe('settings', () => {
  it('defaults to cores − 1 workers, at least one', () => {
    expect(defaultSettings(8).workerCount).toBe(7);
    expect(defaultSettings(1).workerCount).toBe(1);
    expect(defaultSettings(undefined).workerCount).toBe(1);
  });

  it('repairs whatever storage holds', () => {
    expect(sanitizeSettings(null, 4)).toEqual(defaultSettings(4));
    const bad = sanitizeSettings({ workerCount: 1e9, dutyPercent: 3, quietHours: { enabled: 'yes', startMinute: 5000 }, battery: { minPercent: 0 }, running: 1 }, 4);
    expect(bad).toMatchObject({ workerCount: WORKERS_PER_TAB_MAX, dutyPercent: 10, quietHours: { enabled: false, startMinute: 22 * 60 }, battery: { minPercent: 20 }, running: false });
  });

  it('reads and writes times of day', () => {
    expect(parseTime('07:05')).toBe(425);
    expect(parseTime('7:05')).toBe(425);
    expect(parseTime('24:00')).toBeUndefined();
    expect(parseTime('noon')).toBeUndefined();
    expect(formatTime(425)).toBe('07:05');
  });
});
