// Settlement limits (docs/settlement.md), in one place like host/limits.ts.

/** Billing account ids: short enough that `bill:<id>` fits a ledger id (128). */
export const BILLING_ACCOUNT_ID_LENGTH_MAX = 100;
/** Party ids named by billing accounts: `revenue:<party>:<currency>` fits a ledger id. */
export const SETTLEMENT_PARTY_ID_LENGTH_MAX = 100;
/** Meters read, aggregated and priced together; bounds the accounts' interval buffers held at once. */
export const SETTLEMENT_METERS_PER_BATCH_DEFAULT = 500;
export const SETTLEMENT_METERS_PER_BATCH_MAX = 5_000;
/** Read workers (docs/settlement.md): the default is one per core, at most this many (each holds one batch of readings). */
export const SETTLEMENT_READ_WORKERS_DEFAULT_MAX = 4;
export const SETTLEMENT_READ_WORKERS_MAX = 16;
/** Runs with fewer meters read in their own thread by default: starting workers (~0.1 s) would cost more than it saves. */
export const SETTLEMENT_READ_WORKERS_METERS_MIN = 1_000;
/** Times a lost claim race is re-evaluated before the run fails (each loss means another run posted). */
export const SETTLEMENT_CLAIM_ATTEMPTS_MAX = 4;
/**
 * A host's claim on a chunk of a PostgreSQL run (docs/settlement.md "Chunks
 * and hosts"): a chunk (at most SETTLEMENT_METERS_PER_BATCH_MAX meters)
 * settles well within it; a host that dies holding one delays it this long,
 * then another host claims it.
 */
export const SETTLEMENT_CHUNK_LEASE_MS = 300_000;
/** How often an idle host looks for chunks to claim. */
export const SETTLEMENT_CHUNK_POLL_MS = 1_000;
