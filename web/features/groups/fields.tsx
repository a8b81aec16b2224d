/**
 * @module A whole-number field of the group forms (seats, hours, workers): checked as typed,
 * with its bounds in the help line and a readable error when the text is not a number in
 * them. The caller keeps the text; {@link intIn} reads it.
 */

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
