// Liveness, readiness and Prometheus metrics: unauthenticated, for the
// orchestrator and the scraper (bind them to a private network in production).
import type { FastifyInstance } from 'fastify';
import type { ApiContext } from './context.js';
import { ApiError } from './errors.js';
import { errorSchema } from './schemas.js';

const statusSchema = { type: 'object', required: ['status'], properties: { status: { type: 'string' } } } as const;

export async function operationsPlugin(app: FastifyInstance, context: ApiContext): Promise<void> {
  app.get('/healthz', {
    schema: { summary: 'The process is up', tags: ['operations'], response: { 200: statusSchema } },
  }, async () => ({ status: 'ok' }));

  app.get('/readyz', {
    schema: { summary: 'The store answers', tags: ['operations'], response: { 200: statusSchema, 503: errorSchema } },
  }, async (request) => {
    try {
      await context.store.ping();
    } catch (error) {
      request.log.error({ err: error }, 'readiness: store ping failed');
      throw new ApiError('not_ready', 'the store does not answer');
    }
    return { status: 'ready' };
  });

  app.get('/metrics', {
    schema: { summary: 'Prometheus metrics', tags: ['operations'], produces: ['text/plain'] },
  }, async (_request, reply) => {
    const text = await context.metrics.registry.metrics();
    return reply.type(context.metrics.registry.contentType).send(text);
  });
}
