/**
 * @module Number and date formatting for display, in the visitor's locale.
 */

const moneyFormats = new Map<string, Intl.NumberFormat>();

/**
 * An amount in minor units (cents for EUR) as money, e.g. `1234, 'EUR'` → `€12.34`. The
 * currency's own number of decimals decides the scale (ISO 4217: JPY has none).
 */
export function formatMinor(minor: number, currency: string): string {
  let format = moneyFormats.get(currency);
  if (!format) {
    try {
      format = new Intl.NumberFormat(undefined, { style: 'currency', currency });
    } catch {
      return `${minor} ${currency} (minor units)`; // not an ISO 4217 code this browser knows
    }
    moneyFormats.set(currency, format);
  }
  const digits = format.resolvedOptions().maximumFractionDigits ?? 2;
  return format.format(minor / 10 ** digits);
}

/** An ISO timestamp as a short local date and time; the input itself if it is not a date. */
export function formatTime(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}
