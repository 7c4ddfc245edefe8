// Every limit of SPEC §1 and §4 in one place. A limit can be configured
// down, never up; exceeding one is `limit_exceeded` naming the constant.

export const REGISTER_MWH_MAX_EXCLUSIVE = 2n ** 53n;
/** The largest integer a JS number holds exactly (2^53 − 1): bigints become numbers only within ± it (exact.ts safeNumber). */
export const SAFE_INTEGER_MAX = 2n ** 53n - 1n;
export const READING_TIME_MS_MAX_EXCLUSIVE = 253_402_300_800_000n;

export const DAY_MS = 86_400_000;
export const MINUTE_MS = 60_000;
export const INTERVAL_MS_DEFAULT = 900_000;

export const MAX_POWER_W_MIN = 1;
export const MAX_POWER_W_MAX = 100_000_000;
export const MAX_POWER_W_DEFAULT = 250_000;

export const MAX_GAP_MS_MIN = 1;
export const MAX_GAP_MS_MAX = 2_678_400_000;
export const MAX_GAP_MS_DEFAULT = MAX_GAP_MS_MAX;

/** Energy, dynamic and export prices, in µ per kWh (±100 per kWh). */
export const ENERGY_PRICE_MICRO_MAX = 100_000_000n;
/** `pricePerKW` and `fixedPerDay`, in µ (0 … 10 000). */
export const DEMAND_FIXED_PRICE_MICRO_MAX = 10_000_000_000n;
/** Tax rates, in ppm (0 … 1). */
export const TAX_RATE_PPM_MAX = 1_000_000n;

// WASM linear memory (SPEC §1: limits the address space forces). Every
// kernel call lays its input, output and scratch out from `heapBase()` (a
// few KiB), so each call's limits below are derived from this bound and the
// per-item bytes of its layout (host/engine/*.ts reservations); the tests
// recompute the worst case from those reservations.
/** wasm32 address space: 65 536 pages of 64 KiB = 4 GiB = 4 294 967 296 bytes. */
export const WASM_MEMORY_BYTES_MAX = 65_536 * 65_536;
/** After a call that left the instance this large, it is dropped and the next call starts at the baseline (256 MiB). */
export const WASM_MEMORY_RESET_BYTES = 256 * 1024 * 1024;

/**
 * Aggregation (host/engine/aggregate.ts): a reading takes 4 (meter) + 3 × 8
 * (t, i, x) = 28 bytes; a row 29 (meter 4, start/imp/exp 24, flags 1) + 17
 * of scratch (start/energy 16, flags 1) = 46; an unassigned entry 29 + 25
 * of scratch = 54. 50 M × 28 + 40 M × 46 + 15 M × 54 = 1.40 + 1.84 + 0.81
 * = 4.05·10^9 bytes < 4 GiB (4.29·10^9), leaving ~240 MB for heapBase and
 * alignment. A pair spanning 31 days at 1-minute intervals alone yields
 * 44 640 rows.
 */
export const AGGREGATION_READINGS_MAX = 50_000_000;
export const AGGREGATION_ROWS_MAX = 40_000_000;
export const AGGREGATION_UNASSIGNED_MAX = 15_000_000;
/** `intervalMs` bounds: one minute … one day (it must also be a multiple of the minute dividing the day). */
export const INTERVAL_MS_MIN = MINUTE_MS;
export const INTERVAL_MS_MAX = DAY_MS;
/** Intervals in one billing period: a leap year of 1-minute intervals. */
export const BILLING_PERIOD_SLOTS_MAX = 527_040;
/**
 * Intervals one pricing call takes (host/engine/price.ts): each needs its
 * own slot of the period, so no more than the slots. Worst case: 527 040 ×
 * (25 bytes per interval: start/imp/exp 24, flags 1; + 13 per slot: period
 * 1, dynamic price 8, interval index 4) ≈ 20 MB, plus the tariff's tables
 * (≤ 1 154 + 1 160 words): far below 4 GiB.
 */
export const PRICE_INTERVALS_MAX = BILLING_PERIOD_SLOTS_MAX;
/** Tiers per period, periods per tariff, entries of a dynamic series, taxes per tariff. */
export const TARIFF_TIERS_MAX = 16;
export const TARIFF_PERIODS_MAX = 32;
export const TARIFF_DYNAMIC_PRICES_MAX = 100_000;
export const TARIFF_TAXES_MAX = 16;
export const TARIFF_HOLIDAYS_MAX = 1_000;

// Battery sharing (SPEC §4).
export const SHARE_ENERGY_MWH_MAX = 1_000_000_000n;
export const SHARE_DURATION_MS_MIN = 1_000n;
export const SHARE_DURATION_MS_MAX = 2_678_400_000n;
export const SHARE_CAPACITY_MWH_MAX = 1_000_000_000_000n;
export const SHARE_PRICE_MICRO_MAX = 100_000_000n;
export const SHARE_ALPHA_BETA_PPM_MAX = 10_000_000n;
export const SHARE_CREF_PPM_MAX = 1_000_000_000n;
/** Occupants of one event (1 … 64), and one occupant's share (1 … 10^6): counts and integers, so `limit_exceeded` on both sides. */
export const SHARE_OCCUPANTS_MIN = 1;
export const SHARE_OCCUPANTS_MAX = 64;
export const SHARE_OCCUPANT_SHARE_MIN = 1n;
export const SHARE_OCCUPANT_SHARE_MAX = 1_000_000n;
export const SHARE_CRATE_PPM_MAX = 1_000_000_000n;
export const SHARE_DOD_PPM_MAX = 10_000_000n;
/** Capacity is a divisor: 0 mWh is under this bound (`limit_exceeded`). */
export const SHARE_CAPACITY_MWH_MIN = 1n;
/**
 * Events in one `shareColumns` call, and occupants over all of them
 * (host/engine/share.ts): an event takes 7 input + 6 result i64 columns +
 * a 4-byte offset = 108 bytes, an occupant 8 (share) + 8 (amount) = 16.
 * 10 M × 108 + 40 M × 16 = 1.08 + 0.64 = 1.72·10^9 bytes < 4 GiB.
 */
export const SHARE_COLUMN_EVENTS_MAX = 10_000_000;
export const SHARE_COLUMN_OCCUPANTS_MAX = 40_000_000;

/** Largest result of the WASM exact helpers `mulDivHalfEven`/`mulDivFloor` (i64); past it they report `MULDIV_OUT_OF_RANGE`. */
export const EXACT_HELPER_RESULT_MAX = 2n ** 63n - 1n;

/**
 * CLI stdin (and `--tariff`/`--cdr` files), bytes: 256 MiB. UTF-8 decodes to
 * at most one UTF-16 code unit per byte, so the text stays below V8's
 * longest string (`buffer.constants.MAX_STRING_LENGTH`, 2^29 − 24 units on
 * 64-bit); 512 MiB could not be decoded at all.
 */
export const CLI_INPUT_BYTES_MAX = 256 * 1024 * 1024;

// Tariff application (SPEC §3).
/** Energy of one priced interval, mWh: a difference of registers < 2^53. */
export const INTERVAL_ENERGY_MWH_MAX_EXCLUSIVE = 2n ** 53n;
/**
 * Σ import and Σ export of one billing period stay below this, mWh (2^56 ≈
 * 72 TWh; SPEC §1 `< 2^56`, so 2^56 itself is over): keeps every line sum
 * of µ inside i64 (2^56 × 100 µ/mWh < 2^63).
 */
export const BILLING_PERIOD_ENERGY_MWH_MAX = 2n ** 56n;
/** A tier's `upToKWh`, in mWh (10^12 kWh). */
export const TARIFF_TIER_BOUND_MWH_MAX = 1_000_000_000_000_000_000n;

// Ids and display names (docs/api.md "Ids and names", host/ids.ts): one
// grammar, lengths in characters (Unicode code points, as JSON Schema counts).
/** The longest id of any kind (meters, gateways, parties, accounts, transfers, flow objects, …); a kind may cap its ids lower (below). */
export const ID_LENGTH_MAX = 256;
/** Display names (a party's name, an apparatus name). */
export const DISPLAY_NAME_LENGTH_MAX = 200;
/** A UTF-8 character percent-encoded in a URL: up to 4 bytes of `%XX`. */
const URL_ENCODED_CHARACTER_LENGTH_MAX = 12;
/** A route parameter's length as Fastify's router measures it (maxParamLength): every id up to ID_LENGTH_MAX, even fully percent-encoded; past it 414 `uri_too_long`. */
export const API_PARAM_LENGTH_MAX = ID_LENGTH_MAX * URL_ENCODED_CHARACTER_LENGTH_MAX;

// Ingest (SPEC §1 limits table and §6).
/** Frames in one ingest batch. */
export const INGEST_FRAMES_PER_BATCH_MAX = 10_000;
/** Ingest request body, bytes (4 MiB). */
export const INGEST_BODY_BYTES_MAX = 4 * 1024 * 1024;
/** Allowed distance between `x-timestamp` and server time, and how far a frame's `t` may lead it. */
export const INGEST_CLOCK_SKEW_MS = 300_000;
/** A meter id: ids are keys, not payloads. */
export const INGEST_METER_ID_LENGTH_MAX = ID_LENGTH_MAX;
/** Nesting of maps and arrays in an ingest body (a batch needs 3: body → frames → frame). */
export const INGEST_BODY_DEPTH_MAX = 16;
/** Values (scalars, keys, maps, arrays) in one decoded ingest body: 10 000 row frames need about 90 000. */
export const INGEST_BODY_VALUES_MAX = 262_144;

// Ledger (SPEC §5).
/** Events (accounts or transfers) in one ledger batch; each gets its own result code. */
export const LEDGER_BATCH_EVENTS_MAX = 10_000;
/** Account, transfer and record ids, account kinds: flows derive record ids up to it and hash longer ones (flowRecordId). */
export const LEDGER_ID_LENGTH_MAX = 128;
/** References a transfer may carry to what it corrects. */
export const LEDGER_REFS_MAX = 16;
/** One transfer's amount, µ; balances are checked separately against i64 overflow. */
export const LEDGER_AMOUNT_MICRO_MAX = 2n ** 62n;
/** Largest balance column value (BIGINT). */
export const LEDGER_BALANCE_MICRO_MAX = 2n ** 63n - 1n;
/** A pending transfer's timeout: 1 ms … 31 days. */
export const LEDGER_PENDING_TIMEOUT_MS_MAX = 2_678_400_000;
/** Transfer codes: an application's u16 classification, as in TigerBeetle. */
export const LEDGER_TRANSFER_CODE_MAX = 65_535;
/** A generic record's canonical JSON, bytes. */
export const LEDGER_RECORD_BYTES_MAX = 64 * 1024;
/** Records between automatic block seals. */
export const LEDGER_RECORDS_PER_BLOCK = 4_096;
/** Pending transfers one `expirePending` sweep voids (call again for more). */
export const LEDGER_EXPIRE_SWEEP_MAX = 10_000;

// Meter-reading storage (SPEC §2 reads for settlement).
/** Meters per chunk of `readingsForMeters`: a month of 15-minute readings for 500 meters is ~1.5 M rows, ~42 MB of columns. */
export const READINGS_METERS_PER_CHUNK_DEFAULT = 500;
/** Upper bound on a caller's chunk size, so one chunk cannot hold the whole fleet in memory. */
export const READINGS_METERS_PER_CHUNK_MAX = 5_000;
/** Readings of one meter per SQLite query of that read (a page): bounds the JSON text one query builds (~20 bytes per reading). */
export const READINGS_ROWS_PER_QUERY = 100_000;
/** Rows a chunk's columns are sized for up front from its first meter (~110 MB); beyond, they grow as read. */
export const READINGS_CHUNK_ROWS_RESERVED_MAX = 4_000_000;
/** Gateway secret, bytes: an HMAC key (SPEC §6), sealed at rest. */
export const GATEWAY_SECRET_BYTES_MIN = 16;
export const GATEWAY_SECRET_BYTES_MAX = 256;

// HTTP API (docs/api.md).
/** Party, gateway, API key, tariff and settlement-run ids: they appear in URLs and headers. */
export const API_ID_LENGTH_MAX = 128;
/** Rows one list request returns (`?limit=`), and the default. */
export const API_LIST_LIMIT_MAX = 1_000;
export const API_LIST_LIMIT_DEFAULT = 100;
/** Operator API request body, bytes: provisioning records are small. */
export const API_BODY_BYTES_MAX = 64 * 1024;
/** Gateway HMAC secrets the API generates, bytes. */
export const API_GATEWAY_SECRET_BYTES = 32;
/** How long a rotated-out gateway secret still verifies by default, and the longest window a rotation may ask for (docs/api.md "Gateway lifecycle"). */
export const GATEWAY_SECRET_OVERLAP_MS_DEFAULT = 24 * 60 * 60 * 1000;
export const GATEWAY_SECRET_OVERLAP_MS_MAX = 7 * 24 * 60 * 60 * 1000;
/** Ingest batches one gateway may post per window (429 rate_limited beyond), and the window. */
export const INGEST_BATCHES_PER_WINDOW_MAX = 600;
export const INGEST_RATE_WINDOW_MS = 60_000;
/** Event-loop delay above which ingest answers 503 overloaded, and the retry-after it sends. */
export const INGEST_EVENT_LOOP_DELAY_MS_MAX = 1_000;
export const INGEST_RETRY_AFTER_S = 10;
/** SQLite: batches committed together in one transaction (one WAL sync), at most. */
export const INGEST_GROUP_COMMIT_BATCHES_MAX = 16;
/** Ledger API: accounts or transfers in one request, and that request's body, bytes (a transfer is ~300 bytes of JSON). */
export const API_LEDGER_EVENTS_PER_REQUEST_MAX = 1_000;
export const API_LEDGER_BODY_BYTES_MAX = 1024 * 1024;
/** Blocks one `GET /v1/ledger/blocks` returns. */
export const API_LEDGER_BLOCKS_PER_PAGE_MAX = 1_000;
/** Interval of the server's sweep that voids expired pending transfers. */
export const LEDGER_EXPIRY_SWEEP_INTERVAL_MS = 5_000;
/** SPEC §5 "Trusted heads": unsealed records wait at most this long (plus one check) before the server seals them; 0: only every LEDGER_RECORDS_PER_BLOCK records. */
export const LEDGER_SEAL_AFTER_MS = 60_000;
/** Upper bound of GRIDSETTLE_LEDGER_SEAL_AFTER_MS: a day. */
export const LEDGER_SEAL_AFTER_MS_MAX = 86_400_000;
/** How often the server checks for records waiting to be sealed (at most; shorter when the wait is shorter). */
export const LEDGER_SEAL_CHECK_INTERVAL_MS = 1_000;

// Seed-system flows (docs/flows.md).
/** One flow object's canonical JSON body, bytes. */
export const FLOW_OBJECT_BYTES_MAX = 256 * 1024;
/** Flow objects one list read returns. */
export const FLOW_LIST_LIMIT_MAX = 10_000;
/** Flow ids (offers, sessions, sites, …). */
export const FLOW_ID_LENGTH_MAX = 128;

// S6 transactive market (docs/flows.md "S6").
/** Market interval length: orders and clearing are per 15-minute interval. */
export const MARKET_INTERVAL_MS = 900_000;
/** Orders one interval holds (its clearing posts up to two transfers and one record per order). */
export const MARKET_ORDERS_PER_INTERVAL_MAX = 2_000;
/** Energy of one order, mWh (1 GWh). */
export const MARKET_ORDER_ENERGY_MWH_MAX = 1_000_000_000_000n;
/** Zone transfer limits, mWh per interval. */
export const MARKET_ZONE_LIMIT_MWH_MAX = 1_000_000_000_000_000n;
export const MARKET_ZONES_MAX = 100;
/** How long after an interval starts a buyer's reservation stays pending, waiting for the clearing. */
export const MARKET_CLEARING_GRACE_MS = 86_400_000;

// S5 mobile energy interconnection (docs/flows.md "S5").
/** Available mobile devices, and stationary points, one matching run considers (each side). */
export const MATCHING_SITES_MAX = 500;
/** How often an open event stream looks for new events (events may come from another host). */
export const MATCHING_STREAM_POLL_MS = 250;
/** Comment lines that keep an idle event stream open through proxies. */
export const MATCHING_STREAM_HEARTBEAT_MS = 15_000;
/** Webhooks one party may register. */
export const WEBHOOKS_PER_PARTY_MAX = 5;
/** Delivery attempts per webhook event, the first retry's delay (doubling after), and one attempt's timeout. */
export const WEBHOOK_ATTEMPTS_MAX = 5;
export const WEBHOOK_BACKOFF_BASE_MS = 200;
export const WEBHOOK_TIMEOUT_MS = 5_000;
/** Up to this fraction of each back-off delay is added at random, so hosts and receivers do not see retries in step. */
export const WEBHOOK_BACKOFF_JITTER_RATIO = 0.5;
/** How long one host holds a delivery for an attempt (a name lookup plus WEBHOOK_TIMEOUT_MS, with room): after it, another host may take over. */
export const WEBHOOK_LEASE_MS = 60_000;
/** How often each host looks for pending deliveries no host is working on (one whose host died). */
export const WEBHOOK_SWEEP_INTERVAL_MS = 60_000;
/** Webhook URL length, in UTF-16 code units. */
export const WEBHOOK_URL_LENGTH_MAX = 2_048;
// S1: EV charging/selling offers and sessions (docs/flows.md "S1").
/** Offer slots start and end on this grid (the default aggregation interval), so every metered interval lies in one slot. */
export const EV_OFFER_SLOT_GRID_MS = INTERVAL_MS_DEFAULT;
/** Slots in one offer's price series: a week of 15-minute slots. */
export const EV_OFFER_SLOTS_MAX = 672;
/** From the first slot's start to the last slot's end: one week. */
export const EV_OFFER_SPAN_MS_MAX = 7 * DAY_MS;
/** Offers one supplier has in force or upcoming (published, not withdrawn, not expired) at a time. */
export const EV_OFFERS_IN_FORCE_PER_SUPPLIER_MAX = 100;
/** Ranked offers one query answers (the request's `limit` is at most this). */
export const EV_QUERY_OFFERS_MAX = 100;
/** A vehicle battery's capacity, Wh (10 MWh: far above any bus or truck). */
export const EV_BATTERY_CAPACITY_WH_MAX = 10_000_000;
/** Meters (connectors) of one charge point. */
export const EV_CHARGE_POINT_METERS_MAX = 16;
/** From a session's start to its end. */
export const EV_SESSION_SPAN_MS_MAX = 7 * DAY_MS;
// S10 demand response with prepaid appliances (docs/flows.md "Demand response").
/** Appliance, DR event and top-up ids, ASCII (they travel in signal bytes): short enough that the transfer ids derived from them fit LEDGER_ID_LENGTH_MAX. */
export const DR_ID_LENGTH_MAX = 48;
/** Appliances one DR event spans. */
export const DR_EVENT_APPLIANCES_MAX = 100;
/** An appliance's flexible (curtailable) power, W: the weight and the cap of its share of a DR target. */
export const DR_FLEXIBLE_POWER_W_MAX = 100_000_000;
/** Holiday dates one DR event lists. */
export const DR_HOLIDAYS_MAX = 366;
/** (event id, nonce) pairs a DR signal verifier remembers until they expire. */
export const DR_VERIFIER_SEEN_MAX = 1_024;
/** Signals one fetch returns. */
export const DR_SIGNALS_PER_FETCH_MAX = 100;
/** One consumption-billing window, ms (31 days). */
export const DR_BILLING_WINDOW_MS_MAX = 2_678_400_000;
// S3 pre-authorised settlement (docs/flows.md "S3").
/** How long an authorisation holds the vehicle's money: 1 s … 7 days (default 1 h); the ledger voids it after. */
export const PREAUTH_TIMEOUT_MS_MIN = 1_000;
export const PREAUTH_TIMEOUT_MS_MAX = 604_800_000;
export const PREAUTH_TIMEOUT_MS_DEFAULT = 3_600_000;
/** An apparatus name and an authorisation's service description, characters. */
export const PREAUTH_TEXT_LENGTH_MAX = 200;

// S8 device-to-device transfers (docs/flows.md "S8").
/** A transfer window: at most 7 days of one-minute intervals (10 080 rows per meter). */
export const D2D_WINDOW_MS_MAX = 604_800_000;

// S3, S4, S8: ids of flow objects whose ledger transfer ids derive from them.
/** Leaves room for the prefixes and suffixes (`s3:capture:`, `s4:<id>:collect`, `#expired`) within LEDGER_ID_LENGTH_MAX. */
export const FLOW_SETTLED_ID_LENGTH_MAX = 100;
// Metered contracts: PPAs (S2), P2P contracts (S7), connection events (S9) (docs/flows.md).
/** Ids of PPAs, P2P contracts, connection events and assets: ledger transfer ids are derived from them and must stay within LEDGER_ID_LENGTH_MAX. */
export const FLOW_CONTRACT_ID_LENGTH_MAX = 64;
/** Meters one PPA or P2P contract names. */
export const FLOW_CONTRACT_METERS_MAX = 64;
/** Settlement windows of one PPA or P2P contract's period (a PPA's deliveries are read in one list). */
export const FLOW_CONTRACT_WINDOWS_MAX = 10_000;
/** Open connection events one settle step of a grid connection point settles (call again for more). */
export const CONNECTION_SETTLE_EVENTS_MAX = 1_000;
