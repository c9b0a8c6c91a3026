/** The locale to format with: the customer's when it is a valid BCP 47 tag, otherwise English. */
export function safeLocale(locale: string | null | undefined): string {
  if (!locale) return 'en';
  try {
    return Intl.getCanonicalLocales(locale.replace('_', '-'))[0] ?? 'en';
  } catch {
    return 'en';
  }
}

/** Formats integer minor units in the currency's own number of decimals (JPY has none, KWD three). */
export function formatMoney(minor: number, currency: string, locale: string): string {
  const format = new Intl.NumberFormat(locale, { style: 'currency', currency });
  const digits = format.resolvedOptions().maximumFractionDigits ?? 2;
  return format.format(minor / 10 ** digits);
}
