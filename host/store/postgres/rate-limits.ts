// Rate-limit counters shared by every host on one PostgreSQL database
// (docs/api.md "Rate limits"): one row per key, a fixed window that starts
// at the key's first hit and restarts at the first hit after it ends. Times
// come from the database's clock, so hosts with skewed clocks still agree.
// Keys are gateway ids (authenticated before the limit applies), so the
// table holds at most one row per gateway and needs no sweeping.
import type { PostgresSql } from '../postgres.js';
import type { SqlRow } from '../settlement-rows.js';

export interface RateLimitHit {
  /** Hits in the key's current window, this one included. */
  hits: number;
  /** Until the window ends, ms. */
  ttlMs: number;
}

/** Counts hits per key and window; implemented on PostgreSQL only (SQLite serves one host: the in-memory store). */
export interface RateLimitCounter {
  hit(key: string, windowMs: number): Promise<RateLimitHit>;
}

export class PostgresRateLimits implements RateLimitCounter {
  constructor(private readonly sql: PostgresSql) {}

  async hit(key: string, windowMs: number): Promise<RateLimitHit> {
    const [row] = await this.sql<SqlRow[]>`
      WITH now AS (SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint AS ms)
      INSERT INTO rate_limit_hits AS r (key, hits, window_start_ms) SELECT ${key}, 1, ms FROM now
      ON CONFLICT (key) DO UPDATE SET
        hits = CASE WHEN r.window_start_ms + ${windowMs} <= (SELECT ms FROM now) THEN 1 ELSE r.hits + 1 END,
        window_start_ms = CASE WHEN r.window_start_ms + ${windowMs} <= (SELECT ms FROM now) THEN (SELECT ms FROM now) ELSE r.window_start_ms END
      RETURNING hits, window_start_ms + ${windowMs} - (SELECT ms FROM now) AS ttl_ms`;
    return { hits: Number(row!.hits), ttlMs: Math.max(0, Number(row!.ttl_ms)) };
  }
}
