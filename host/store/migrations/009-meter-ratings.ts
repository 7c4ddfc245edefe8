// Meters carry their ratings (SPEC §1): the power rating the aggregation's
// SPIKE check uses for that meter, and the register's reading interval.
// Meters that exist get SPEC's defaults (250 000 W, 900 000 ms).
import type { Migration } from '../migrate.js';

const SQL = `
ALTER TABLE meters ADD COLUMN max_power_w INTEGER NOT NULL DEFAULT 250000;
ALTER TABLE meters ADD COLUMN interval_ms INTEGER NOT NULL DEFAULT 900000;
`;

export const METER_RATINGS_MIGRATION: Migration = { version: 9, name: 'meter-ratings', sqlite: SQL, postgres: SQL };
