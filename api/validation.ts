import type { z } from 'zod';

export interface FieldError {
  /** Where in the payload, as a dotted path (`items.0.quantity`). */
  field: string;
  message: string;
}

/** Turns a zod error into one entry per wrong field, in words a sender can act on. */
export function fieldErrors(error: z.ZodError): FieldError[] {
  return error.issues.map((issue) => ({ field: issue.path.map(String).join('.') || '(body)', message: issue.message }));
}
