/**
 * @module The account page (`/account`): sign in or create an account with e-mail and
 * password; when signed in, who you are. Sign-out lives in the header.
 */
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { LoginRequestSchema, SignupRequestSchema, type SignupRole } from '../../../shared/auth/schemas.ts';
import { Link } from '../../router.tsx';
import { EmailField, FormError, PasswordField } from './fields.tsx';
import { authErrorText, fieldErrorText } from './messages.ts';
import { signIn, signUp, useSession } from './session-store.ts';
import { ACCOUNT_TEXT } from './strings.ts';

const SIGNUP_ROLES: SignupRole[] = ['volunteer', 'customer', 'shop_operator'];

export function AccountPage() {
  const session = useSession();
  return (
    <div class="container account">
      <h1>{ACCOUNT_TEXT.pageTitle}</h1>
      {session.status === 'loading' && (
        <p class="muted" role="status">
          {ACCOUNT_TEXT.loading}
        </p>
      )}
      {session.status === 'signed-in' ? (
        <section class="card narrow">
          <p>{ACCOUNT_TEXT.signedInLead(session.user.email)}</p>
          <p class="muted small">{ACCOUNT_TEXT.rolesLine(session.user.roles.join(', '))}</p>
          {session.user.volunteerId && <Link href="/volunteer">{ACCOUNT_TEXT.toVolunteer}</Link>}
        </section>
      ) : (
        session.status !== 'loading' && (
          <>
            <p class="lead">{ACCOUNT_TEXT.pageLead}</p>
            {session.status === 'unknown' && (
              <p class="alert alert-error" role="alert">
                {ACCOUNT_TEXT.sessionUnknown} {session.error}
              </p>
            )}
            <SignInForm />
          </>
        )
      )}
    </div>
  );
}

function SignInForm() {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [role, setRole] = useState<SignupRole>('volunteer');
  const [busy, setBusy] = useState<'login' | 'signup'>();
  const [error, setError] = useState<string>();

  async function onSubmit(e: JSX.TargetedSubmitEvent<HTMLFormElement>) {
    e.preventDefault();
    if (busy) return;
    // Enter in a field signs in; only the sign-up button creates an account.
    const action = (e as unknown as SubmitEvent).submitter?.dataset.action === 'signup' ? 'signup' : 'login';
    const check = action === 'signup' ? SignupRequestSchema.safeParse({ email, password, role }) : LoginRequestSchema.safeParse({ email, password });
    if (!check.success) return setError(fieldErrorText(check.error.issues));
    setError(undefined);
    setBusy(action);
    try {
      if (action === 'signup') await signUp({ email, password, role });
      else await signIn({ email, password });
    } catch (err) {
      setError(authErrorText(err, action));
    } finally {
      setBusy(undefined);
    }
  }

  return (
    <form class="card narrow" noValidate onSubmit={onSubmit} aria-label={ACCOUNT_TEXT.pageTitle}>
      <EmailField id="account-email" value={email} onInput={setEmail} />
      <PasswordField id="account-password" value={password} onInput={setPassword} isNew={false} />
      <div class="field">
        <label for="account-role">{ACCOUNT_TEXT.role}</label>
        <select id="account-role" data-testid="account-role" value={role} onChange={(e) => setRole(e.currentTarget.value as SignupRole)}>
          {SIGNUP_ROLES.map((r) => (
            <option key={r} value={r}>
              {ACCOUNT_TEXT.roles[r]}
            </option>
          ))}
        </select>
      </div>
      <FormError text={error} />
      <div class="form-actions">
        <button type="submit" class="button" data-testid="account-login" data-action="login" disabled={busy !== undefined} aria-busy={busy === 'login'}>
          {busy === 'login' ? ACCOUNT_TEXT.signingIn : ACCOUNT_TEXT.signIn}
        </button>
        <button
          type="submit"
          class="button button-quiet"
          data-testid="account-signup"
          data-action="signup"
          disabled={busy !== undefined}
          aria-busy={busy === 'signup'}
        >
          {busy === 'signup' ? ACCOUNT_TEXT.signingUp : ACCOUNT_TEXT.signUp}
        </button>
      </div>
    </form>
  );
}
