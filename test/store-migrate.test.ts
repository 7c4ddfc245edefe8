import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { migratePostgres, migrateSqlite, type Migration } from '../host/store/migrate.js';
import { MIGRATIONS } from '../host/store/migrations/index.js';
import { storeBackends } from './store-backends.js';

const PROBE: Migration = {
  version: MIGRATIONS.length + 1,
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

    it('refuses a list whose versions are not 1, 2, 3, …', async () => {
      const fresh = await backend.open();
      try {
        const gap = [...MIGRATIONS, { ...PROBE, version: PROBE.version + 1 }];
        if (fresh.kind === 'sqlite') assert.throws(() => migrateSqlite(fresh.database, gap), /expected/);
        else await assert.rejects(migratePostgres(fresh.sql, gap), /expected/);
      } finally {
        await fresh.close();
      }
    });
  });
}
