// S10 demand management with prepaid appliances (SPEC §8, docs/flows.md
// "Demand response"): appliances with prepaid balances billed for their
// metered consumption, DR events allocated across them, sealed control
// signals, and rewards for the reduction measured against a baseline.
import type { FastifyInstance } from 'fastify';
import { bearerAuth } from '../api/auth.js';
import type { ApiContext } from '../api/context.js';
import { applianceRoutes } from './dr-appliances.js';
import { billingRoutes } from './dr-billing.js';
import { eventRoutes } from './dr-events.js';
import { settlementRoutes } from './dr-settlement.js';
import { signalRoutes } from './dr-signals.js';

export async function demandResponsePlugin(app: FastifyInstance, context: ApiContext): Promise<void> {
  app.addHook('onRequest', bearerAuth(context.store.parties));
  await applianceRoutes(app, context);
  await billingRoutes(app, context);
  await signalRoutes(app, context);
  await eventRoutes(app, context);
  await settlementRoutes(app, context);
}
