/**
 * @module What the group forms share: a whole-number field (seats, hours, workers) checked
 * as typed, with its bounds in the help line and a readable error when the text is not a
 * number in them (the caller keeps the text; {@link intIn} reads it); the seats and hours
 * pair every group or pool is made with; and the submit of a form that creates one.
 */
import { useState } from 'preact/hooks';
import { GROUP_SEATS_MAX, GROUP_TTL_MS_MAX } from '../../../shared/groups/schemas.ts';
import { useText } from '../../i18n/index.ts';
import { describeError } from '../../lib/errors.ts';

export const HOUR_MS = 3_600_000;
/** Longest group in whole hours. */
export const GROUP_HOURS_MAX = Math.floor(GROUP_TTL_MS_MAX / HOUR_MS);

/** The whole number `text` holds if it lies in `min`…`max`, else undefined. */
export function intIn(text: string, min: number, max: number): number | undefined {
  if (!/^\d+$/.test(text.trim())) return undefined;
  const n = Number(text);
  return n >= min && n <= max ? n : undefined;
}

interface IntFieldProps {
  /** Element id and data-testid. */
  id: string;
  label: string;
  help: string;
  error: string;
  value: string;
  min: number;
  max: number;
  disabled?: boolean;
  onInput(value: string): void;
}

export function IntField({ id, label, help, error, value, min, max, disabled, onInput }: IntFieldProps) {
  const valid = intIn(value, min, max) !== undefined;
  return (
    <div class={valid ? 'field' : 'field field-invalid'}>
      <label for={id}>{label}</label>
      <input
        id={id}
        data-testid={id}
        class="input-small"
        type="number"
        inputMode="numeric"
        min={min}
        max={max}
        step={1}
        value={value}
        disabled={disabled}
        aria-invalid={!valid}
        aria-describedby={`${id}-help`}
        onInput={(e) => onInput(e.currentTarget.value)}
      />
      <p id={`${id}-help`} class="help">
        {help}
      </p>
      {!valid && (
        <p class="field-error small" role="alert" data-testid={`${id}-error`}>
          {error}
        </p>
      )}
    </div>
  );
}

/** The seats and hours of a new group or pool, as text; `prefix` names the fields (`group`, `pool`). */
export function SeatsAndHours({ prefix, seats, hours, setSeats, setHours }: { prefix: string; seats: string; hours: string; setSeats(v: string): void; setHours(v: string): void }) {
  const t = useText().groups.host;
  return (
    <>
      <IntField id={`${prefix}-seats`} label={t.seats} help={t.seatsHelp(GROUP_SEATS_MAX)} error={t.seatsInvalid(GROUP_SEATS_MAX)} value={seats} min={1} max={GROUP_SEATS_MAX} onInput={setSeats} />
      <IntField id={`${prefix}-hours`} label={t.hours} help={t.hoursHelp(GROUP_HOURS_MAX)} error={t.hoursInvalid(GROUP_HOURS_MAX)} value={hours} min={1} max={GROUP_HOURS_MAX} onInput={setHours} />
    </>
  );
}

/** The seats and the time to live the texts hold, when both are valid. */
export function seatsAndTtl(seats: string, hours: string): { seats: number; ttlMs: number } | undefined {
  const n = intIn(seats, 1, GROUP_SEATS_MAX);
  const h = intIn(hours, 1, GROUP_HOURS_MAX);
  return n === undefined || h === undefined ? undefined : { seats: n, ttlMs: h * HOUR_MS };
}

/** A form's creating step: one at a time, its refusal shown as "not created" with the server's reason. */
export function useCreate() {
  const t = useText().groups.host;
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  async function create(action: () => Promise<void>): Promise<void> {
    if (busy) return;
    setBusy(true);
    setError(undefined);
    try {
      await action();
    } catch (err) {
      setError(t.createFailed(describeError(err)));
    } finally {
      setBusy(false);
    }
  }
  return { busy, error, create, setError };
}
