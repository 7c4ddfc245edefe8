// The part of autocannon's programmatic API that bench/ingest-http.bench.ts
// uses (autocannon ships no types).
declare module 'autocannon' {
  import type { EventEmitter } from 'node:events';

  export interface AutocannonRequest {
    method?: string;
    path?: string;
    headers?: Record<string, string>;
    body?: string | Buffer;
  }

  export interface AutocannonRequestSpec extends AutocannonRequest {
    /** Called before each request of a connection; returns the request to send. */
    setupRequest?: (request: AutocannonRequest, context: Record<string, unknown>) => AutocannonRequest | null | undefined;
    onResponse?: (status: number, body: string, context: Record<string, unknown>, headers: Record<string, string>) => void;
  }

  export interface AutocannonClient extends EventEmitter {
    on(event: 'response', listener: (statusCode: number, resBytes: number, responseTime: number) => void): this;
  }

  export interface AutocannonOptions {
    url: string;
    connections?: number;
    pipelining?: number;
    amount?: number;
    duration?: number;
    timeout?: number;
    method?: string;
    requests?: AutocannonRequestSpec[];
    setupClient?: (client: AutocannonClient) => void;
  }

  export interface AutocannonResult {
    duration: number;
    errors: number;
    timeouts: number;
    non2xx: number;
    '2xx': number;
    statusCodeStats: Record<string, { count: number }>;
    latency: { p50: number; p99: number; average: number };
  }

  export default function autocannon(options: AutocannonOptions, callback: (error: Error | null, result: AutocannonResult) => void): EventEmitter & { stop(): void };
}
