import { z } from 'zod';

// Every setting comes from the environment, parsed once. A bad value stops start-up with the
// variable's name and what it expects, instead of failing later somewhere deep in a journey.
const port = z.coerce.number().int().min(1).max(65535);
const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v));

const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: optionalString.pipe(
    z.string().regex(/^postgres(ql)?:\/\//, 'a postgres:// or postgresql:// connection URL').optional(),
  ),
  TEMPORAL_ADDRESS: optionalString.pipe(z.string().regex(/^[^\s:]+:\d+$/, 'host:port, e.g. localhost:7233').optional()),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('nextbest'),
  TEMPORAL_PORT: port.default(7233),
  TEMPORAL_UI_PORT: port.default(8233),
  TEMPORAL_CLI_PATH: optionalString,
  TEMPORAL_TEST_SERVER_PATH: optionalString,
  API_HOST: z.string().min(1).default('127.0.0.1'),
  API_PORT: port.default(3000),
  WORKER_METRICS_PORT: port.default(9464),
  PUBLIC_BASE_URL: z.url('an absolute URL such as https://nextbest.example.com').default('http://127.0.0.1:3000'),
  PII_ENCRYPTION_KEY: optionalString.pipe(
    z
      .string()
      .regex(/^[0-9a-fA-F]{64}$/, '64 hex characters (a 32-byte AES-256 key), e.g. from `openssl rand -hex 32`')
      .optional(),
  ),
  LINK_SIGNING_SECRET: optionalString.pipe(z.string().min(32, 'at least 32 characters').optional()),
  LINK_CLICK_TTL_DAYS: z.coerce.number().positive('a positive number of days a click link keeps working').max(3650, 'at most 3650 days').default(90),
  LINK_UNSUBSCRIBE_TTL_DAYS: z.coerce.number().positive('a positive number of days an unsubscribe link keeps working').max(3650, 'at most 3650 days (unsubscribe links are bounded)').default(365),
  JOURNEY_TIME_SCALE: z.coerce
    .number()
    .positive('a positive number; 1 is real time, 0.001 makes an hour last 3.6 s (demo mode)')
    .max(1, 'at most 1 (1 is real time)')
    .default(1),
  OUTBOX_DIR: optionalString,
  INGEST_PROCESSING: z.enum(['api', 'separate'], 'api (the API process stores what it queues and fires journey triggers) or separate (only npm run ingest-worker processes do)').default('api'),
  MODEL_RETRAIN: z.enum(['weekly', 'daily'], 'weekly or daily: how often the scheduled retrain refits shop priors and recommenders').default('weekly'),
  RESEND_API_KEY: optionalString,
  TWILIO_ACCOUNT_SID: optionalString,
  TWILIO_AUTH_TOKEN: optionalString,
  RESEND_FROM: optionalString,
  RESEND_WEBHOOK_SECRET: optionalString.pipe(z.string().startsWith('whsec_', 'the signing secret Resend shows for the webhook, starting with whsec_').optional()),
  RESEND_BASE_URL: optionalString.pipe(z.url('an absolute URL; only set it to point the Resend SDK at a local fake').optional()),
  TWILIO_SMS_FROM: optionalString,
  TWILIO_WHATSAPP_FROM: optionalString,
  TWILIO_API_BASE_URL: optionalString.pipe(z.url('an absolute URL; only set it to point the Twilio SDK at a local fake').optional()),
  VAPID_PUBLIC_KEY: optionalString,
  VAPID_PRIVATE_KEY: optionalString,
  VAPID_SUBJECT: optionalString,
  AD_WEBHOOK_SECRET: optionalString.pipe(z.string().min(32, 'at least 32 characters: it signs audience and bid webhooks (X-Nextbest-Signature)').optional()),
});

export type RawConfig = z.infer<typeof schema>;

export interface Config extends RawConfig {
  /** True when nothing external is configured: the app starts Temporal's dev server and PGlite itself. */
  readonly embedded: boolean;
  readonly outboxDir: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: { variable: string; expected: string }[]) {
    super(
      'nextbest cannot start, its configuration is wrong:\n' +
        problems.map((p) => `  ${p.variable}: ${p.expected}`).join('\n') +
        '\nSet these environment variables (see the configuration table in README.md) and start again.',
    );
    this.name = 'ConfigError';
  }
}

export function parseConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const result = schema.safeParse(env);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => {
        const variable = String(issue.path[0] ?? '(environment)');
        const given = env[variable];
        return { variable, expected: `${issue.message}${given === undefined ? ' (not set)' : ` (got "${given}")`}` };
      }),
    );
  }
  const raw = result.data;
  const embedded = raw.DATABASE_URL === undefined && raw.TEMPORAL_ADDRESS === undefined;
  if (raw.NODE_ENV === 'production' && raw.PII_ENCRYPTION_KEY === undefined) {
    throw new ConfigError([{ variable: 'PII_ENCRYPTION_KEY', expected: 'required in production: 64 hex characters (not set)' }]);
  }
  return { ...raw, embedded, outboxDir: raw.OUTBOX_DIR ?? `${raw.DATA_DIR}/outbox` };
}

let cached: Config | undefined;
/** The process-wide configuration, parsed on first use. */
export function config(): Config {
  cached ??= parseConfig();
  return cached;
}
