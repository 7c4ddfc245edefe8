// What every API plugin receives from buildApp.
import type { Store } from '../store/open-store.js';
import type { ApiMetrics } from './metrics.js';

export interface ApiContext {
  store: Store;
  metrics: ApiMetrics;
  /** Server clock, epoch ms (tests pin it). */
  nowMs(): number;
}
