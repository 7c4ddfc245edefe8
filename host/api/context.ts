// What every API plugin receives from buildApp.
import type { Store } from '../store/open-store.js';
import type { ApiMetrics } from './metrics.js';
import type { Ledger } from '../ledger/ledger.js';
import type { WebhookTargetPolicy } from '../flows/webhook-target.js';

export interface ApiContext {
  store: Store;
  metrics: ApiMetrics;
  /** The ledger over `store.ledger`, signing blocks with the configured key. */
  ledger: Ledger;
  /** Server clock, epoch ms (tests pin it). */
  nowMs(): number;
  /** The S6 market authority's party id (AppOptions.marketAuthority), null when not configured. */
  marketAuthority: string | null;
  /** Where S5 webhooks may point (AppOptions.webhookAllow, webhookAllowHttp). */
  webhookTargets: WebhookTargetPolicy;
}
