// The @fastify/rate-limit store over a shared counter (docs/api.md "Rate
// limits"): on PostgreSQL every host counts in one table, so N hosts allow
// the limit once, not N times. The plugin constructs the store itself, so
// the counter is closed over by the class.
import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import type { RateLimitCounter } from '../store/postgres/rate-limits.js';

export function sharedRateLimitStore(counter: RateLimitCounter, keyPrefix: string): FastifyRateLimitStoreCtor {
  return class SharedRateLimitStore implements FastifyRateLimitStore {
    incr(key: string, callback: (error: Error | null, result?: { current: number; ttl: number }) => void, timeWindow: number): void {
      counter.hit(`${keyPrefix}${key}`, timeWindow).then(
        ({ hits, ttlMs }) => callback(null, { current: hits, ttl: ttlMs }),
        (error: unknown) => callback(error instanceof Error ? error : new Error(String(error))),
      );
    }

    child(): FastifyRateLimitStore {
      return new SharedRateLimitStore();
    }
  };
}
