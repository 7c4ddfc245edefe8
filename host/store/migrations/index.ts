// Versioned schema migrations, one file per version, each with the SQL of
// both dialects. Append only: a released migration is never edited.
import type { Migration } from '../migrate.js';
import { LEDGER_MIGRATION } from './001-ledger.js';
import { READINGS_MIGRATION } from './002-readings.js';
import { PARTIES_MIGRATION } from './003-parties.js';
import { SETTLEMENT_MIGRATION } from './004-settlement.js';
import { FLOWS_MIGRATION } from './005-flows.js';
import { LEDGER_ROWS_MIGRATION } from './006-ledger-rows.js';
import { KEYS_AND_LISTS_MIGRATION } from './007-keys-and-lists.js';
import { RECORD_IDS_MIGRATION } from './008-record-ids.js';
import { METER_RATINGS_MIGRATION } from './009-meter-ratings.js';
import { GATEWAY_LIFECYCLE_MIGRATION } from './010-gateway-lifecycle.js';
import { SCALE_OUT_MIGRATION } from './012-scale-out.js';

export const MIGRATIONS: readonly Migration[] = [
  LEDGER_MIGRATION, READINGS_MIGRATION, PARTIES_MIGRATION, SETTLEMENT_MIGRATION, FLOWS_MIGRATION, LEDGER_ROWS_MIGRATION, KEYS_AND_LISTS_MIGRATION,
  RECORD_IDS_MIGRATION, METER_RATINGS_MIGRATION, GATEWAY_LIFECYCLE_MIGRATION, SCALE_OUT_MIGRATION,
];
