import { sql, type SQL } from 'drizzle-orm';

// Opens that no person made: Apple Mail Privacy Protection and security scanners fetch every image on
// delivery. The channels' webhook handlers flag them in provider_events.detail: `machineOpen: true`
// (our own field) or SendGrid's `sg_machine_open: true`, passed through as the provider sent it.

const FLAGS = ['machineOpen', 'sg_machine_open'] as const;

export function isMachineOpen(detail: Record<string, unknown>): boolean {
  return FLAGS.some((flag) => detail[flag] === true || detail[flag] === 'true');
}

/** The same test in SQL, over a provider_events `detail` column. */
export function machineOpenSql(detail: SQL): SQL {
  return sql`(${sql.join(FLAGS.map((flag) => sql`coalesce(${detail}->>${flag}, '') = 'true'`), sql` or `)})`;
}

/**
 * How soon after delivery an open is taken for a machine's: Apple Mail Privacy Protection and mail
 * security scanners fetch the images as the message lands, people take longer. Providers that do not
 * flag machine opens themselves (Resend) get this flag from us.
 */
export const MACHINE_OPEN_WINDOW_MS = 60_000;

/** Whether an open at `openedAt` came too soon after the message landed (`landedAt`: delivered, else sent). */
export function looksLikeMachineOpen(openedAt: Date, landedAt: Date | null): boolean {
  if (!landedAt) return false;
  const ms = openedAt.getTime() - landedAt.getTime();
  return ms >= 0 && ms < MACHINE_OPEN_WINDOW_MS;
}
