/**
 * @module The controls of how much of the device the page uses: workers, the throttle, do
 * not disturb, and the conditions that pause by themselves. Inputs are checked as typed; a
 * value that is not valid shows why and is not saved.
 */
import { useState } from 'preact/hooks';
import { WORKERS_PER_TAB_MAX } from '../../../shared/limits.ts';
import { useText } from '../../i18n/index.ts';
import type { VolunteerSettings } from '../../storage/db.ts';
import { DUTY_CHOICES, formatTime, parseTime } from './settings.ts';

export interface SettingsPanelProps {
  settings: VolunteerSettings;
  running: boolean;
  battery: { level: number; charging: boolean } | undefined;
  update(patch: Partial<VolunteerSettings>): void;
}

export function WorkersField({ settings, running, update }: Pick<SettingsPanelProps, 'settings' | 'running' | 'update'>) {
  const t = useText().volunteer;
  const [text, setText] = useState<string>();
  const shown = text ?? String(settings.workerCount);
  const n = Number(shown);
  const valid = /^\d+$/.test(shown.trim()) && n >= 1 && n <= WORKERS_PER_TAB_MAX;
  return (
    <div class="field field-inline">
      <label for="worker-count">{t.workers}</label>
      <input
        id="worker-count"
        data-testid="worker-count"
        type="number"
        inputMode="numeric"
        min={1}
        max={WORKERS_PER_TAB_MAX}
        step={1}
        value={shown}
        disabled={running}
        aria-invalid={!valid}
        aria-describedby="worker-count-help"
        onInput={(e) => {
          const value = e.currentTarget.value;
          setText(value);
          const k = Number(value);
          if (/^\d+$/.test(value.trim()) && k >= 1 && k <= WORKERS_PER_TAB_MAX) update({ workerCount: k });
        }}
        onBlur={() => setText(undefined)}
      />
      <p id="worker-count-help" class="help">
        {t.workersHelp(WORKERS_PER_TAB_MAX, navigator.hardwareConcurrency || undefined)}
        {running ? ` ${t.workersStopToChange}` : ''}
      </p>
      {!valid && (
        <p class="field-error small" role="alert" data-testid="worker-count-error">
          {t.workersInvalid(WORKERS_PER_TAB_MAX)}
        </p>
      )}
    </div>
  );
}

export function SettingsPanel({ settings, battery, update }: SettingsPanelProps) {
  const t = useText().volunteer;
  const [batteryText, setBatteryText] = useState<string>();
  const [hoursText, setHoursText] = useState<{ start: string; end: string }>();
  const hours = hoursText ?? { start: formatTime(settings.quietHours.startMinute), end: formatTime(settings.quietHours.endMinute) };
  const start = parseTime(hours.start);
  const end = parseTime(hours.end);
  const hoursValid = start !== undefined && end !== undefined && start !== end;
  const batteryShown = batteryText ?? String(settings.battery.minPercent);
  const batteryN = Number(batteryShown);
  const batteryValid = /^\d+$/.test(batteryShown) && batteryN >= 1 && batteryN <= 99;

  function setHours(next: { start: string; end: string }) {
    setHoursText(next);
    const s = parseTime(next.start);
    const e = parseTime(next.end);
    if (s !== undefined && e !== undefined && s !== e) update({ quietHours: { ...settings.quietHours, startMinute: s, endMinute: e } });
  }

  return (
    <>
      <div class="field field-inline">
        <label for="throttle">{t.throttle}</label>
        <select
          id="throttle"
          data-testid="throttle"
          value={String(settings.dutyPercent)}
          aria-describedby="throttle-help"
          onChange={(e) => update({ dutyPercent: Number(e.currentTarget.value) })}
        >
          {[...new Set<number>([...DUTY_CHOICES, settings.dutyPercent])]
            .sort((a, b) => a - b)
            .map((p) => (
              <option key={p} value={String(p)}>
                {t.throttleOption(p)}
              </option>
            ))}
        </select>
        <p id="throttle-help" class="help">
          {t.throttleHelp}
        </p>
      </div>

      <label class="check">
        <input type="checkbox" data-testid="do-not-disturb" checked={settings.doNotDisturb} onChange={(e) => update({ doNotDisturb: e.currentTarget.checked })} />{' '}
        {t.doNotDisturb}
      </label>

      <fieldset class="conditions">
        <legend>{t.conditionsTitle}</legend>
        <label class="check">
          <input type="checkbox" data-testid="pause-hidden" checked={settings.pauseWhenHidden} onChange={(e) => update({ pauseWhenHidden: e.currentTarget.checked })} />{' '}
          {t.pauseHidden}
        </label>
        <div class="check">
          <label>
            <input
              type="checkbox"
              data-testid="pause-battery"
              checked={settings.battery.enabled}
              onChange={(e) => update({ battery: { ...settings.battery, enabled: e.currentTarget.checked } })}
            />{' '}
            {t.pauseBattery}
          </label>{' '}
          <input
            class="input-small"
            type="number"
            min={1}
            max={99}
            data-testid="battery-min"
            aria-label={t.pauseBattery}
            aria-invalid={!batteryValid}
            value={batteryShown}
            onInput={(e) => {
              const value = e.currentTarget.value;
              setBatteryText(value);
              const k = Number(value);
              if (/^\d+$/.test(value) && k >= 1 && k <= 99) update({ battery: { ...settings.battery, minPercent: k } });
            }}
            onBlur={() => setBatteryText(undefined)}
          />
          %
          <p class="help">{battery ? t.batteryNow(Math.round(battery.level * 100), battery.charging) : t.batteryUnknown}</p>
          {!batteryValid && (
            <p class="field-error small" role="alert">
              {t.batteryInvalid}
            </p>
          )}
        </div>
        <div class="check">
          <label>
            <input
              type="checkbox"
              data-testid="pause-hours"
              checked={settings.quietHours.enabled}
              onChange={(e) => update({ quietHours: { ...settings.quietHours, enabled: e.currentTarget.checked } })}
            />{' '}
            {t.pauseHours}
          </label>{' '}
          <label>
            {t.hoursFrom}{' '}
            <input type="time" data-testid="hours-start" aria-invalid={start === undefined} value={hours.start} onInput={(e) => setHours({ ...hours, start: e.currentTarget.value })} />
          </label>{' '}
          <label>
            {t.hoursTo}{' '}
            <input type="time" data-testid="hours-end" aria-invalid={end === undefined} value={hours.end} onInput={(e) => setHours({ ...hours, end: e.currentTarget.value })} />
          </label>
          {!hoursValid && (
            <p class="field-error small" role="alert">
              {t.hoursInvalid}
            </p>
          )}
        </div>
      </fieldset>
    </>
  );
}
