/**
 * @module A "Copy" button for a secret the page shows once or keeps (API keys, license
 * keys). The Clipboard API exists only in secure contexts; without it the text stays
 * selectable on the page, so the button simply does not confirm.
 */
import { useState } from 'preact/hooks';

export function CopyButton({ text, label = 'Copy key', class: className = 'button button-small' }: { text: string; label?: string; class?: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <button
      type="button"
      class={className}
      onClick={() => {
        const write = navigator.clipboard?.writeText(text) ?? Promise.reject(new Error('no clipboard'));
        write.then(
          () => setCopied(true),
          () => setCopied(false),
        );
      }}
    >
      {copied ? 'Copied' : label}
    </button>
  );
}
