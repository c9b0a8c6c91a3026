import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ApiContext } from '../api/context.ts';
import { databaseBreaker } from '../api/db-breaker.ts';
import { isDatabaseUnavailable } from './errors.ts';

// What every ingest route answers when it cannot take an event now, so a sender retries instead of
// losing it: 429 when this process already has its limit of ingest requests in flight (backpressure),
// 503 when Postgres cannot be reached (the request's one transaction stored nothing; once one request
// has found it unreachable, at once without trying, api/db-breaker.ts). Both carry
// Retry-After. Neither is kept in rejected_payloads: there is nothing wrong with the payload, and
// writing it would add load exactly when there is too much.

export const DEFAULT_MAX_IN_FLIGHT = 64;
export const RETRY_AFTER_BUSY_S = 1;
export const RETRY_AFTER_DB_S = 5;

/** INGEST_MAX_IN_FLIGHT: ingest requests one process works on at once; more are answered 429. */
export function maxInFlightFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.INGEST_MAX_IN_FLIGHT;
  if (raw === undefined || raw.trim() === '') return DEFAULT_MAX_IN_FLIGHT;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`INGEST_MAX_IN_FLIGHT: a whole number of requests, at least 1 (got "${raw}")`);
  return n;
}

interface Gate {
  inFlight: number;
  limit: number;
}
// One gate per API instance, shared by all ingest routes of that instance.
const gates = new WeakMap<ApiContext, Gate>();
const counted = new WeakSet<FastifyRequest>();

export function ingestGate(ctx: ApiContext): Gate {
  let gate = gates.get(ctx);
  if (!gate) gates.set(ctx, (gate = { inFlight: 0, limit: maxInFlightFromEnv() }));
  return gate;
}

/** Installs the 429 and 503 answers on an ingest route plugin (its routes only). */
export function guardIngest(app: FastifyInstance, ctx: ApiContext): void {
  const gate = ingestGate(ctx);
  const breaker = databaseBreaker(ctx);
  const unavailable = (reply: FastifyReply) => {
    ctx.metrics.eventsRejected.inc({ source: 'ingest', status: '503' });
    return reply.code(503).header('retry-after', String(RETRY_AFTER_DB_S))
      .send({ error: 'database_unavailable', message: `the database cannot be reached; nothing was stored, retry after ${RETRY_AFTER_DB_S} s` });
  };
  const release = async (request: FastifyRequest) => {
    if (counted.delete(request)) gate.inFlight--;
  };
  app.addHook('onRequest', async (request, reply) => {
    if (breaker.open) return unavailable(reply);
    if (gate.inFlight >= gate.limit) {
      ctx.metrics.eventsRejected.inc({ source: 'ingest', status: '429' });
      return reply.code(429).header('retry-after', String(RETRY_AFTER_BUSY_S))
        .send({ error: 'overloaded', message: `this process is working on ${gate.limit} ingest requests already; retry after ${RETRY_AFTER_BUSY_S} s` });
    }
    gate.inFlight++;
    counted.add(request);
  });
  app.addHook('onResponse', release);
  app.addHook('onRequestAbort', release);
  app.setErrorHandler(async (error, request, reply) => {
    if (!isDatabaseUnavailable(error)) throw error;
    ctx.logger.warn({ err: error, route: request.routeOptions.url }, 'database unavailable: ingest answered 503');
    breaker.trip(error);
    return unavailable(reply);
  });
}
