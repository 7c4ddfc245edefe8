import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { migratePostgres, migrateSqlite, type Migration } from '../host/store/migrate.js';
import { MIGRATIONS } from '../host/store/migrations/index.js';
import { storeBackends } from './store-backends.js';

const PROBE: Migration = {
  version: MIGRATIONS[MIGRATIONS.length - 1]!.version + 1,
  name: 'probe',
  sqlite: 'CREATE TABLE migration_probe (id INTEGER PRIMARY KEY)',
  postgres: 'CREATE TABLE migration_probe (id INTEGER PRIMARY KEY)',
};

for (const backend of storeBackends()) {
  describe(`store migrations (${backend.kind})`, () => {
    it('applies each pending version once, in order, and records it', async () => {
      const fresh = await backend.open();
      try {
        const all = [...MIGRATIONS, PROBE];
        const first = fresh.kind === 'sqlite' ? migrateSqlite(fresh.database, all) : await migratePostgres(fresh.sql, all);
        const second = fresh.kind === 'sqlite' ? migrateSqlite(fresh.database, all) : await migratePostgres(fresh.sql, all);
        assert.deepEqual(first, [PROBE.version]);
        assert.deepEqual(second, []);
      } finally {
        await fresh.close();
      }
    });

    it('migration 9 gives the meters that exist SPEC §1\'s default ratings (250 000 W, 900 000 ms)', async () => {
      const fresh = await backend.open(MIGRATIONS.slice(0, 8));
      try {
        const insertGateway = "INSERT INTO gateways (id, secret_sealed, owner_party_id, created_at_ms) VALUES ('gw', 'x', 'p', 0)";
        const insertMeter = "INSERT INTO meters (id, gateway_id, account_id) VALUES ('m-old', 'gw', NULL)";
        const select = "SELECT max_power_w, interval_ms FROM meters WHERE id = 'm-old'";
        if (fresh.kind === 'sqlite') {
          fresh.database.exec(`${insertGateway}; ${insertMeter}`);
          assert.deepEqual(migrateSqlite(fresh.database, MIGRATIONS.slice(0, 9)), [9]);
          assert.deepEqual({ ...(fresh.database.prepare(select).get() as object) }, { max_power_w: 250_000, interval_ms: 900_000 });
        } else {
          await fresh.sql.unsafe(insertGateway.replace("'x'", "'\\x00'::bytea"));
          await fresh.sql.unsafe(insertMeter);
          assert.deepEqual(await migratePostgres(fresh.sql, MIGRATIONS.slice(0, 9)), [9]);
          const [row] = await fresh.sql.unsafe(select);
          assert.deepEqual([Number(row!.max_power_w), Number(row!.interval_ms)], [250_000, 900_000]);
        }
      } finally {
        await fresh.close();
      }
    });

    it('refuses a list whose versions do not ascend', async () => {
      const fresh = await backend.open();
      try {
        const repeated = [...MIGRATIONS, { ...PROBE, version: PROBE.version - 1 }];
        if (fresh.kind === 'sqlite') assert.throws(() => migrateSqlite(fresh.database, repeated), /expected/);
        else await assert.rejects(migratePostgres(fresh.sql, repeated), /expected/);
      } finally {
        await fresh.close();
      }
    });
  });
}
