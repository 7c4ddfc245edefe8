// The demo's HTTP side: JSON calls with a bearer key, signed batch posts as a
// gateway would send them (SPEC §6), the service's clock, and a small
// concurrency limiter.
import { signBatch } from '../ingest/signature.js';
import type { IngestResponse } from '../ingest/service.js';

/**
 * The service's clock (buildApp `nowMs`): real time until the flows pin it;
 * from then on it moves only forward, when the demo lets time pass (an hour
 * of charging, a demand-response event's window).
 */
export class DemoClock {
  private pinnedMs: number | null = null;

  nowMs(): number {
    return this.pinnedMs ?? Date.now();
  }

  moveTo(ms: number): void {
    if (ms < this.nowMs()) throw new Error(`the demo clock only moves forward: ${ms} is before ${this.nowMs()}`);
    this.pinnedMs = ms;
  }
}

export class DemoClient {
  constructor(private readonly baseUrl: string, private readonly apiKey: string, readonly clock: DemoClock) {}

  /** The same service and clock, as another party. */
  as(apiKey: string): DemoClient {
    return new DemoClient(this.baseUrl, apiKey, this.clock);
  }

  /** A JSON call; a status outside `expected` throws with the error body. */
  async json<T>(method: 'GET' | 'POST', path: string, body?: unknown, expected: readonly number[] = [200, 201, 202]): Promise<T> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.apiKey}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(this.baseUrl + path, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    const text = await response.text();
    if (!expected.includes(response.status)) throw new Error(`${method} ${path} answered ${response.status}: ${text}`);
    return JSON.parse(text) as T;
  }

  /** A call that must be refused with `status`; answers the catalogue error code. */
  async refusal(method: 'GET' | 'POST', path: string, body: unknown, status: number): Promise<string> {
    return (await this.json<{ error: { code: string } }>(method, path, body, [status])).error.code;
  }

  async postBatch(gatewayId: string, secret: string, body: Uint8Array): Promise<IngestResponse> {
    const timestamp = String(this.clock.nowMs());
    const response = await fetch(`${this.baseUrl}/v1/meter-batches`, {
      method: 'POST',
      headers: {
        'content-type': 'application/msgpack', 'x-gateway-id': gatewayId, 'x-timestamp': timestamp,
        'x-signature': signBatch(secret, timestamp, body),
      },
      body,
    });
    const text = await response.text();
    if (response.status !== 202) throw new Error(`batch of ${gatewayId} answered ${response.status}: ${text}`);
    return JSON.parse(text) as IngestResponse;
  }
}

/** Runs `work` over `items` with at most `parallel` in flight. */
export async function inParallel<T>(items: readonly T[], parallel: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(parallel, items.length) }, async () => {
    while (next < items.length) await work(items[next++]!);
  });
  await Promise.all(lanes);
}
