/**
 * @module The e-mail and password fields every account form uses, and its error line.
 */
import { PASSWORD_CHARS_MAX, PASSWORD_CHARS_MIN } from '../../../shared/limits.ts';
import { ACCOUNT_TEXT } from './strings.ts';

interface FieldProps {
  /** Element id and data-testid, e.g. `account-email`. */
  id: string;
  value: string;
  onInput: (value: string) => void;
}

export function EmailField({ id, value, onInput }: FieldProps) {
  return (
    <div class="field">
      <label for={id}>{ACCOUNT_TEXT.email}</label>
      <input id={id} data-testid={id} type="email" autoComplete="username" value={value} onInput={(e) => onInput(e.currentTarget.value)} />
    </div>
  );
}

export function PasswordField({ id, value, onInput, isNew }: FieldProps & { isNew: boolean }) {
  return (
    <div class="field">
      <label for={id}>{ACCOUNT_TEXT.password}</label>
      <input
        id={id}
        data-testid={id}
        type="password"
        autoComplete={isNew ? 'new-password' : 'current-password'}
        maxLength={PASSWORD_CHARS_MAX}
        aria-describedby={`${id}-help`}
        value={value}
        onInput={(e) => onInput(e.currentTarget.value)}
      />
      <p id={`${id}-help`} class="help">
        {ACCOUNT_TEXT.passwordHelp(PASSWORD_CHARS_MIN, PASSWORD_CHARS_MAX)}
      </p>
    </div>
  );
}

export function FormError({ text }: { text: string | undefined }) {
  if (!text) return null;
  return (
    <p class="alert alert-error" data-testid="account-error" role="alert">
      {text}
    </p>
  );
}
