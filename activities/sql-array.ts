import { sql, type SQL } from 'drizzle-orm';

/**
 * A text[] parameter. Drizzle expands a JS array into a parenthesised list, which is invalid SQL when
 * empty and not an array for `= any(...)`; an array literal as one parameter works on both drivers.
 */
export function textArray(values: readonly string[]): SQL {
  const literal = `{${values.map((v) => `"${v.replace(/["\\]/g, '\\$&')}"`).join(',')}}`;
  return sql`${literal}::text[]`;
}
