import type { z } from 'zod';
import { canonicalEvent, type CanonicalEvent } from './canonical.ts';
import { MoneyError } from './money.ts';

/** One wrong field of a payload, named as the sender wrote it (`properties.price`, `line_items.0.price`). */
export interface FieldError {
  field: string;
  message: string;
}

/** What an adapter makes of one payload: canonical events, or every field that was wrong. */
export type AdapterResult = { ok: true; events: CanonicalEvent[]; ignored?: string } | { ok: false; errors: FieldError[] };

export interface AdapterOptions {
  /** For sources that send prices without a currency (Shopify products, WooCommerce). */
  shopCurrency: string;
}

export const zodFieldErrors = (error: z.ZodError, prefix = ''): FieldError[] =>
  error.issues.map((issue) => ({ field: [prefix, ...issue.path.map(String)].filter(Boolean).join('.') || '(body)', message: issue.message }));

/** A conversion problem found while mapping (an amount with too many decimals), tied to its field. */
export class MappingError extends Error {
  constructor(readonly field: string, message: string) {
    super(message);
  }
}

/**
 * Runs a mapping from a validated source payload to canonical events, then checks the result against
 * the canonical schema, so nothing unchecked reaches the entry path.
 */
export function mapped(build: () => CanonicalEvent[] | { ignored: string }): AdapterResult {
  let built: CanonicalEvent[] | { ignored: string };
  try {
    built = build();
  } catch (error) {
    if (error instanceof MappingError) return { ok: false, errors: [{ field: error.field, message: error.message }] };
    if (error instanceof MoneyError) return { ok: false, errors: [{ field: '(amount)', message: error.message }] };
    throw error;
  }
  if (!Array.isArray(built)) return { ok: true, events: [], ignored: built.ignored };
  const events: CanonicalEvent[] = [];
  const errors: FieldError[] = [];
  for (const event of built) {
    const parsed = canonicalEvent.safeParse(event);
    if (parsed.success) events.push(parsed.data);
    else errors.push(...zodFieldErrors(parsed.error, `(canonical ${event.type})`));
  }
  return errors.length ? { ok: false, errors } : { ok: true, events };
}

/** Converts an amount, naming the field when it cannot be. */
export function money(convert: (amount: string | number, currency: string) => number, field: string, amount: string | number, currency: string): number {
  try {
    return convert(amount, currency);
  } catch (error) {
    throw new MappingError(field, (error as Error).message);
  }
}
