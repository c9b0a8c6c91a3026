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
