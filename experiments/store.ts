import { randomBytes } from 'node:crypto';
import { and, arrayContains, desc, eq, or, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { experiments } from '../db/schema-experiments.ts';
import { conversionWindowMs, type ExperimentDefinition } from './definition.ts';

export type Experiment = typeof experiments.$inferSelect;

/** The request cannot be applied as asked (a name taken, journeys already under test). */
export class ExperimentConflictError extends Error {
  override name = 'ExperimentConflictError';
}

/**
 * Stores a new running experiment. A journey is in at most one running experiment at a time, so a
 * decision never has to choose between two assignments.
 */
export async function createExperiment(db: Db, shopId: string, definition: ExperimentDefinition): Promise<Experiment> {
  return db.transaction(async (tx) => {
    // Serialise creations per shop: the overlap check and the insert must see the same world.
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`experiments:${shopId}`}))`);
    const [taken] = await tx.select({ id: experiments.id }).from(experiments).where(and(eq(experiments.shopId, shopId), eq(experiments.name, definition.name)));
    if (taken) throw new ExperimentConflictError(`an experiment named "${definition.name}" exists already (${taken.id}); choose another name`);
    const running = await tx.select().from(experiments).where(and(eq(experiments.shopId, shopId), eq(experiments.status, 'running')));
    const clash = running.find((e) => e.journeys.length === 0 || definition.journeys.length === 0 || e.journeys.some((j) => definition.journeys.includes(j as never)));
    if (clash) {
      const shared = clash.journeys.length === 0 || definition.journeys.length === 0 ? 'every journey' : clash.journeys.filter((j) => definition.journeys.includes(j as never)).join(', ');
      throw new ExperimentConflictError(`experiment "${clash.name}" is already running on ${shared}; stop it first or choose other journeys`);
    }
    const [row] = await tx
      .insert(experiments)
      .values({
        id: `exp_${randomBytes(6).toString('hex')}`,
        shopId,
        name: definition.name,
        description: definition.description ?? null,
        journeys: definition.journeys,
        variants: definition.variants.map((v) => ({ key: v.key, weight: v.weight, changes: v.changes })),
        holdoutShare: definition.holdoutShare,
        conversionWindowMs: conversionWindowMs(definition.conversionWindowDays),
        salt: randomBytes(12).toString('hex'),
      })
      .returning();
    return row!;
  });
}

export function listExperiments(db: Db, shopId: string): Promise<Experiment[]> {
  return db.select().from(experiments).where(eq(experiments.shopId, shopId)).orderBy(desc(experiments.createdAt));
}

/** By id or by name, within the shop only. */
export async function findExperiment(db: Db, shopId: string, idOrName: string): Promise<Experiment | null> {
  const [row] = await db
    .select()
    .from(experiments)
    .where(and(eq(experiments.shopId, shopId), or(eq(experiments.id, idOrName), eq(experiments.name, idOrName))));
  return row ?? null;
}

export async function stopExperiment(db: Db, shopId: string, idOrName: string, at = new Date()): Promise<Experiment | null> {
  const found = await findExperiment(db, shopId, idOrName);
  if (!found) return null;
  if (found.status === 'stopped') return found;
  const [row] = await db.update(experiments).set({ status: 'stopped', stoppedAt: at }).where(eq(experiments.id, found.id)).returning();
  return row ?? null;
}

/** The running experiment that covers this journey, if any. */
export async function runningExperimentFor(db: Db, shopId: string, journey: string): Promise<Experiment | null> {
  const [row] = await db
    .select()
    .from(experiments)
    .where(
      and(
        eq(experiments.shopId, shopId),
        eq(experiments.status, 'running'),
        or(sql`cardinality(${experiments.journeys}) = 0`, arrayContains(experiments.journeys, [journey])),
      ),
    )
    .limit(1);
  return row ?? null;
}
