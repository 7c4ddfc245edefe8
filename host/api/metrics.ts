// Prometheus metrics (prom-client), one registry per app so that several
// apps in one process (tests) never share counters.
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { IngestResponse } from '../ingest/service.js';

export class ApiMetrics {
  readonly registry = new Registry();
  private readonly framesAccepted = new Counter({
    name: 'gridsettle_ingest_frames_accepted_total', help: 'Ingest frames stored', registers: [this.registry],
  });
  private readonly framesRejected = new Counter({
    name: 'gridsettle_ingest_frames_rejected_total', help: 'Ingest frames listed in rejected, by frame code',
    labelNames: ['code'], registers: [this.registry],
  });
  private readonly batchesRejected = new Counter({
    name: 'gridsettle_ingest_batches_rejected_total', help: 'Ingest batches refused whole, by batch error code',
    labelNames: ['code'], registers: [this.registry],
  });
  private readonly requestDuration = new Histogram({
    name: 'gridsettle_http_request_duration_seconds', help: 'HTTP request duration by route and status',
    labelNames: ['method', 'route', 'status'], registers: [this.registry],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  });

  private readonly settlementRunDuration = new Histogram({
    name: 'gridsettle_settlement_run_duration_seconds', help: 'Settlement run duration (wall clock) by final status',
    labelNames: ['status'], registers: [this.registry],
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'gridsettle_' });
  }

  /** Counts a 202 response. A replayed seq is counted again: it is a request the gateway made. */
  ingestAnswered(response: IngestResponse): void {
    this.framesAccepted.inc(response.accepted);
    for (const frame of response.rejected) this.framesRejected.inc({ code: frame.code });
  }

  batchRejected(code: string): void {
    this.batchesRejected.inc({ code });
  }

  settlementRunFinished(status: string, durationSeconds: number): void {
    this.settlementRunDuration.observe({ status }, durationSeconds);
  }

  requestFinished(method: string, route: string, status: number, durationMs: number): void {
    this.requestDuration.observe({ method, route, status: String(status) }, durationMs / 1000);
  }
}
