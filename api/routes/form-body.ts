import type { FastifyInstance } from 'fastify';

/** Parses application/x-www-form-urlencoded bodies (Twilio callbacks, unsubscribe forms), keeping the raw body. */
export function acceptFormBodies(app: FastifyInstance): void {
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (request, body, done) => {
    request.rawBody = body as string;
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });
}
