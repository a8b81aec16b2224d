/**
 * @module What the device reports for the pause conditions, as a hook: tab visibility
 * (`visibilitychange`), the battery (Battery Status API, where the browser has it) and the
 * local time, re-read only at the next edge of the quiet hours (one timer, no polling).
 */
import { useEffect, useState } from 'preact/hooks';
import { msUntilWindowEdge, type DeviceState } from './pause-conditions.ts';

/** The parts of the Battery Status API used here (not in TypeScript's DOM types). */
interface BatteryManager extends EventTarget {
  level: number;
  charging: boolean;
}

/** Longest single timer: browsers clamp long ones, and clocks get changed. */
const CLOCK_TIMER_MS_MAX = 3_600_000;

const minuteOfDay = (d = new Date()) => d.getHours() * 60 + d.getMinutes();

export function useDevice(hours: { enabled: boolean; startMinute: number; endMinute: number }): DeviceState & { batteryKnown: boolean } {
  const [hidden, setHidden] = useState(() => document.visibilityState === 'hidden');
  const [battery, setBattery] = useState<{ level: number; charging: boolean }>();
  const [minute, setMinute] = useState(minuteOfDay);

  useEffect(() => {
    const update = () => setHidden(document.visibilityState === 'hidden');
    document.addEventListener('visibilitychange', update);
    return () => document.removeEventListener('visibilitychange', update);
  }, []);

  useEffect(() => {
    const getBattery = (navigator as Navigator & { getBattery?: () => Promise<BatteryManager> }).getBattery;
    if (!getBattery) return;
    let manager: BatteryManager | undefined;
    const update = () => manager && setBattery({ level: manager.level, charging: manager.charging });
    getBattery.call(navigator).then(
      (m) => {
        manager = m;
        update();
        m.addEventListener('levelchange', update);
        m.addEventListener('chargingchange', update);
      },
      () => undefined, // refused (a permissions policy): the condition never applies
    );
    return () => {
      manager?.removeEventListener('levelchange', update);
      manager?.removeEventListener('chargingchange', update);
    };
  }, []);

  useEffect(() => {
    if (!hours.enabled) return;
    let timer: ReturnType<typeof setTimeout>;
    const tick = () => {
      const now = new Date();
      setMinute(minuteOfDay(now));
      timer = setTimeout(tick, Math.min(CLOCK_TIMER_MS_MAX, msUntilWindowEdge(now, hours.startMinute, hours.endMinute) + 50));
    };
    tick();
    return () => clearTimeout(timer);
  }, [hours.enabled, hours.startMinute, hours.endMinute]);

  return { hidden, minuteOfDay: minute, batteryKnown: battery !== undefined, ...(battery ? { battery } : {}) };
}
