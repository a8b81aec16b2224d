/**
 * @module The source and target language inputs of the training forms (BCP 47 tags), each
 * with its message tied by aria-describedby and its schema name (`srcLang`, `tgtLang`) so a
 * form can focus the first one in error.
 */

/** A training corpus's language pair, as typed. */
export interface LanguagePair {
  srcLang: string;
  tgtLang: string;
}

export function LanguageFields({ value, onChange, errors = {} }: { value: LanguagePair; onChange: (next: LanguagePair) => void; errors?: Partial<Record<keyof LanguagePair, string>> }) {
  const fields = [
    { key: 'srcLang', id: 'train-src', label: 'Source language (BCP 47)' },
    { key: 'tgtLang', id: 'train-tgt', label: 'Target language' },
  ] as const;
  return (
    <>
      {fields.map(({ key, id, label }) => {
        const error = errors[key];
        return (
          <div class={error ? 'field field-invalid' : 'field'} key={key}>
            <label for={id}>{label}</label>
            <input
              id={id}
              name={key}
              data-testid={id}
              autoComplete="off"
              spellcheck={false}
              value={value[key]}
              aria-invalid={error ? true : undefined}
              aria-describedby={error ? `${id}-error` : undefined}
              onInput={(e) => onChange({ ...value, [key]: e.currentTarget.value.trim() })}
            />
            {error && (
              <p id={`${id}-error`} class="field-error" data-testid={`field-error-${key}`}>
                {error}
              </p>
            )}
          </div>
        );
      })}
    </>
  );
}
