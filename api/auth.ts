import type { FastifyReply, FastifyRequest } from 'fastify';
import { authenticateKey, type Principal, type Scope } from '../lib/api-keys.ts';
import type { ApiContext } from './context.ts';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
    rawBody?: string;
  }
}

/** Reads `Authorization: Bearer <key>` (or Basic with the key as user name, as Segment sends it). */
export function keyFromHeader(header: string | undefined): string | null {
  if (!header) return null;
  const [scheme, value] = header.split(' ', 2);
  if (!value) return null;
  if (scheme?.toLowerCase() === 'bearer') return value.trim();
  if (scheme?.toLowerCase() === 'basic') return Buffer.from(value, 'base64').toString('utf8').split(':')[0] ?? null;
  return null;
}

/** A pre-handler that admits only keys holding `scope` (admin holds every scope). */
export function requireScope(ctx: ApiContext, scope: Scope) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const key = keyFromHeader(request.headers.authorization);
    const principal = key ? await authenticateKey(ctx.database.db, key) : null;
    if (!principal) return reply.code(401).send({ error: 'unauthorized', message: 'send a valid API key as "Authorization: Bearer <key>"' });
    if (!principal.scopes.includes(scope) && !principal.scopes.includes('admin')) {
      return reply.code(403).send({ error: 'forbidden', message: `this key lacks the "${scope}" scope` });
    }
    request.principal = principal;
  };
}
