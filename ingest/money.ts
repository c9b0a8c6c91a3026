// Sources send money as decimal strings ("19.99", Shopify and WooCommerce) or numbers in major units
// (Segment). We store integer minor units, so the conversion must be exact and know each currency's
// exponent (JPY has none, KWD has three).

const exponents = new Map<string, number>();

/** Digits after the decimal point in `currency` (2 for EUR, 0 for JPY, 3 for KWD). */
export function currencyExponent(currency: string): number {
  let e = exponents.get(currency);
  if (e === undefined) {
    e = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
    exponents.set(currency, e);
  }
  return e;
}

export class MoneyError extends Error {}

/** "19.99" EUR → 1999. Rejects anything that is not a plain decimal or has more digits than the currency. */
export function decimalToMinor(amount: string | number, currency: string): number {
  const exp = currencyExponent(currency);
  if (typeof amount === 'number') {
    if (!Number.isFinite(amount)) throw new MoneyError(`${amount} is not an amount`);
    return Math.round(amount * 10 ** exp);
  }
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(amount.trim());
  if (!match) throw new MoneyError(`"${amount}" is not a decimal amount such as "19.99"`);
  const [, sign, whole, frac = ''] = match;
  const significant = frac.replace(/0+$/, '');
  if (significant.length > exp) throw new MoneyError(`"${amount}" has more decimals than ${currency} allows (${exp})`);
  const minor = Number(whole) * 10 ** exp + Number(frac.padEnd(exp, '0').slice(0, exp) || '0');
  if (!Number.isSafeInteger(minor)) throw new MoneyError(`"${amount}" is too large`);
  return sign === '-' ? -minor : minor;
}
