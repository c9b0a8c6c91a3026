import { pino, type Logger } from 'pino';

// Structured JSON logs. Customers appear only as pseudonymous keys; the redaction list is a
// second line of defence should a contact field ever reach a log call.
export const PII_FIELDS = ['email', 'phone', 'emailAddress', 'phoneNumber', 'to', 'address', 'firstName', 'lastName', 'name'];

export function createLogger(level = process.env.LOG_LEVEL ?? 'info', destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level,
      base: { service: 'nextbest' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: [...PII_FIELDS, ...PII_FIELDS.map((f) => `*.${f}`)], censor: '[redacted]' },
      formatters: { level: (label) => ({ level: label }) },
    },
    destination as never,
  );
}

export const log = createLogger();
export type { Logger };
