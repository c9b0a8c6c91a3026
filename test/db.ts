import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { createDatabase, type Database } from '../db/client.ts';

export type Driver = 'pglite' | 'postgres';

/** Drivers the schema tests run on: always PGlite, and Postgres when DATABASE_URL is set (as in CI). */
export const testDrivers: Driver[] = process.env.DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];

/**
 * A fresh, migrated database for one test file. On Postgres each call creates its own database, so
 * test files running in parallel never see each other's rows; it is dropped on close.
 */
export async function createTestDatabase(driver: Driver = process.env.DATABASE_URL ? 'postgres' : 'pglite'): Promise<Database> {
  if (driver === 'pglite') {
    const database = createDatabase();
    await database.migrate();
    return database;
  }
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is not set: the postgres test driver needs it');
  const name = `nb_test_${randomBytes(6).toString('hex')}`;
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  const testUrl = new URL(url);
  testUrl.pathname = `/${name}`;
  const database = createDatabase({ url: testUrl.toString(), max: 5 });
  await database.migrate();
  return {
    ...database,
    close: async () => {
      await database.close();
      const cleanup = postgres(url, { max: 1, onnotice: () => {} });
      await cleanup.unsafe(`drop database if exists ${name} with (force)`);
      await cleanup.end();
    },
  };
}
