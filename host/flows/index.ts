// The seed-system flows (SPEC §8, docs/flows.md), one plugin each, over the
// same ingest, pricing and ledger as the rest of the API.
import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../api/context.js';
import { walletsPlugin } from './wallets.js';
import { marketPlugin } from './market.js';
import { matchingPlugin } from './matching.js';
import { evOffersPlugin } from './ev/offers.js';
import { evChargePointsPlugin } from './ev/charge-points.js';
import { evSessionsPlugin } from './ev/sessions.js';
import { demandResponsePlugin } from './dr-plugin.js';
import { preauthPlugin } from './preauth.js';
import { sharingPlugin } from './sharing.js';
import { d2dPlugin } from './d2d.js';
import { ppaPlugin } from './ppa.js';
import { p2pPlugin } from './p2p.js';
import { connectionPlugin } from './connection.js';

type FlowPlugin = (app: FastifyInstance, context: ApiContext) => Promise<void>;

/** Every flow plugin, registered in this order. */
export const FLOW_PLUGINS: readonly FlowPlugin[] = [
  walletsPlugin,
  marketPlugin,
  matchingPlugin,
  evOffersPlugin,
  evChargePointsPlugin,
  evSessionsPlugin,
  demandResponsePlugin,
  preauthPlugin,
  sharingPlugin,
  d2dPlugin,
  ppaPlugin,
  p2pPlugin,
  connectionPlugin,
];

export async function flowsPlugin(app: FastifyInstance, context: ApiContext): Promise<void> {
  for (const plugin of FLOW_PLUGINS) await app.register(plugin, context);
}
