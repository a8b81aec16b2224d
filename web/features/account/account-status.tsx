/**
 * @module The header's account corner: the signed-in e-mail and a sign-out button, or a
 * link to the sign-in page.
 */
import { useState } from 'preact/hooks';
import { Link } from '../../router.tsx';
import { signOut, useSession } from './session-store.ts';
import { ACCOUNT_TEXT } from './strings.ts';

export function AccountStatus() {
  const session = useSession();
  const [busy, setBusy] = useState(false);
  const [failed, setFailed] = useState(false);

  if (session.status === 'loading') return null;
  if (session.status !== 'signed-in') {
    return (
      <Link href="/account" class="small">
        {ACCOUNT_TEXT.signInLink}
      </Link>
    );
  }

  async function onSignOut() {
    setBusy(true);
    setFailed(false);
    try {
      await signOut();
    } catch {
      setFailed(true);
    } finally {
      setBusy(false);
    }
  }

  return (
    <div class="account-status">
      <span class="small">
        <span class="visually-hidden">{ACCOUNT_TEXT.signedInAs} </span>
        <span data-testid="account-signed-in">{session.user.email}</span>
      </span>
      <button type="button" class="button button-small button-quiet" data-testid="account-logout" disabled={busy} onClick={onSignOut}>
        {ACCOUNT_TEXT.signOut}
      </button>
      {failed && (
        <span class="field-error small" role="alert">
          {ACCOUNT_TEXT.signOutFailed}
        </span>
      )}
    </div>
  );
}
