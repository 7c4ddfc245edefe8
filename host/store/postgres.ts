// The scale-out store's connection pool (postgres.js). Several stateless
// hosts share one database; integers that can pass 2^53 come back as bigint.
import postgres from 'postgres';

export type PostgresSql = postgres.Sql<Record<string, never>>;

export const POSTGRES_POOL_MAX = 8;

export interface PostgresOptions {
  /** Schema to create and use (tests use a fresh one each). */
  schema?: string;
  poolMax?: number;
}

export function openPostgres(url: string, options: PostgresOptions = {}): PostgresSql {
  return postgres(url, {
    max: options.poolMax ?? POSTGRES_POOL_MAX,
    onnotice: () => {},
    types: { bigint: postgres.BigInt },
    connection: options.schema === undefined ? {} : { search_path: options.schema },
  }) as unknown as PostgresSql;
}
