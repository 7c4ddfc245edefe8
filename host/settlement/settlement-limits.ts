// Settlement limits (docs/settlement.md), in one place like host/limits.ts.

/** Billing account ids: short enough that `bill:<id>` fits a ledger id (128). */
export const BILLING_ACCOUNT_ID_LENGTH_MAX = 100;
/** Party ids named by billing accounts: `revenue:<party>:<currency>` fits a ledger id. */
export const SETTLEMENT_PARTY_ID_LENGTH_MAX = 100;
/** Meters read, aggregated and priced together; bounds the accounts' interval buffers held at once. */
export const SETTLEMENT_METERS_PER_BATCH_DEFAULT = 500;
export const SETTLEMENT_METERS_PER_BATCH_MAX = 5_000;
/** Times a lost claim race is re-evaluated before the run fails (each loss means another run posted). */
export const SETTLEMENT_CLAIM_ATTEMPTS_MAX = 4;
