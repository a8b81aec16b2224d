/**
 * @module The "create a customer account" form: a name in, an API key out. The key is
 * saved in this browser; the server never shows it again.
 */
import { useState } from 'preact/hooks';
import type { JSX } from 'preact';
import { createApiClient } from '../../../shared/api/client.ts';
import { CreateCustomerRequestSchema } from '../../../shared/api/schemas.ts';
import { describeError, problemOf } from '../../lib/errors.ts';
import { saveCustomerKey, type CustomerIdentity } from '../../storage/db.ts';

export interface Created {
  identity: CustomerIdentity;
  /** False when IndexedDB refused the key (private browsing, say): the visitor must copy it. */
  saved: boolean;
}

export function CreateCustomerForm({ onCreated }: { onCreated: (created: Created) => void }) {
  const [name, setName] = useState('');
  const [nameError, setNameError] = useState<string>();
  const [formError, setFormError] = useState<string>();
  const [busy, setBusy] = useState(false);

  async function onSubmit(e: JSX.TargetedSubmitEvent<HTMLFormElement>) {
    e.preventDefault();
    if (busy) return;
    setFormError(undefined);
    const check = CreateCustomerRequestSchema.safeParse({ name });
    if (!check.success) return setNameError('Enter a name of 1 to 100 characters.');
    setNameError(undefined);
    setBusy(true);
    try {
      const r = await createApiClient().createCustomer(check.data.name);
      const identity = { customerId: r.customerId, apiKey: r.apiKey };
      const saved = await saveCustomerKey(identity).then(
        () => true,
        () => false,
      );
      onCreated({ identity, saved });
    } catch (err) {
      const fieldMessage = problemOf(err)?.errors?.find((x) => x.path.split(/[./]/).pop() === 'name')?.message;
      if (fieldMessage) setNameError(fieldMessage);
      else setFormError(`The account was not created. ${describeError(err)}`);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form class="card narrow" noValidate onSubmit={onSubmit} aria-labelledby="create-customer-title">
      <h2 id="create-customer-title">Create a customer account</h2>
      <p class="muted small">You get an API key to submit jobs from this page, the API or the command line.</p>
      <div class={nameError ? 'field field-invalid' : 'field'}>
        <label for="customer-name">Name or organisation</label>
        <input
          id="customer-name"
          data-testid="customer-name"
          name="name"
          type="text"
          autoComplete="organization"
          maxLength={100}
          value={name}
          aria-invalid={nameError ? true : undefined}
          aria-describedby={nameError ? 'customer-name-error' : undefined}
          onInput={(e) => {
            setName(e.currentTarget.value);
            setNameError(undefined);
          }}
        />
        {nameError && (
          <p id="customer-name-error" class="field-error" data-testid="field-error-name">
            {nameError}
          </p>
        )}
      </div>
      {formError && (
        <p class="alert alert-error" data-testid="form-error" role="alert">
          {formError}
        </p>
      )}
      <button type="submit" class="button button-start" data-testid="create-customer" disabled={busy} aria-busy={busy}>
        {busy ? 'Creating…' : 'Create account'}
      </button>
    </form>
  );
}
