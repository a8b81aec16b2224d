/**
 * @module The volunteer page's account section: the claim form for an anonymous identity
 * ("keep your points"), or, once an account owns the identity, which account that is.
 */
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { ClaimRequestSchema } from '../../../shared/auth/schemas.ts';
import { EmailField, FormError, PasswordField } from './fields.tsx';
import { authErrorText, fieldErrorText } from './messages.ts';
import { claimIdentity, useSession } from './session-store.ts';
import { ACCOUNT_TEXT } from './strings.ts';

export interface VolunteerAccountProps {
  volunteerId: string;
  /** The anonymous identity's token; absent when the signed-in session authenticates. */
  token: string | undefined;
}

export function VolunteerAccount({ volunteerId, token }: VolunteerAccountProps) {
  const session = useSession();
  if (session.status === 'loading') return null;
  if (session.status === 'signed-in' && session.user.volunteerId === volunteerId) {
    return <p class="muted small">{ACCOUNT_TEXT.claimedLead(session.user.email)}</p>;
  }
  return token ? <ClaimForm token={token} /> : null;
}

function ClaimForm({ token }: { token: string }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();

  async function onSubmit(e: JSX.TargetedSubmitEvent<HTMLFormElement>) {
    e.preventDefault();
    if (busy) return;
    const check = ClaimRequestSchema.safeParse({ email, password });
    if (!check.success) return setError(fieldErrorText(check.error.issues));
    setError(undefined);
    setBusy(true);
    try {
      await claimIdentity(token, { email, password });
    } catch (err) {
      setError(authErrorText(err, 'claim'));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form class="card narrow" noValidate onSubmit={onSubmit} aria-labelledby="claim-title">
      <h2 id="claim-title">{ACCOUNT_TEXT.claimTitle}</h2>
      <p class="muted small">{ACCOUNT_TEXT.claimLead}</p>
      <EmailField id="claim-email" value={email} onInput={setEmail} />
      <PasswordField id="claim-password" value={password} onInput={setPassword} isNew />
      <FormError text={error} />
      <button type="submit" class="button" data-testid="claim-submit" disabled={busy} aria-busy={busy}>
        {busy ? ACCOUNT_TEXT.claiming : ACCOUNT_TEXT.claimSubmit}
      </button>
    </form>
  );
}
