// FlowStore on SQLite: transactions go through the reading store's queue
// (one connection holds one transaction) and BEGIN IMMEDIATE, so a flow step
// reads and writes with no other writer in between.
import type { Statement } from 'better-sqlite3';
import type { SqliteDatabase } from '../sqlite.js';
import {
  flowBodyText, flowListSql, flowObjectOf, FlowSecrets, FlowVersionConflict, FLOW_COLUMNS,
  type FlowBody, type FlowListQuery, type FlowObject, type FlowSqlRow, type FlowStore, type FlowTransaction, type NewFlowObject,
} from '../flow-store.js';
import type { Serialise } from './settlement.js';

function prepareStatements(database: SqliteDatabase) {
  const prepare = (text: string): Statement<unknown[], FlowSqlRow> => database.prepare(text) as Statement<unknown[], FlowSqlRow>;
  return {
    select: prepare(`SELECT ${FLOW_COLUMNS} FROM flow_objects WHERE kind = ? AND id = ?`),
    insert: prepare(
      `INSERT INTO flow_objects (${FLOW_COLUMNS}) VALUES (?, ?, ?, ?, ?, 1, ?) ON CONFLICT DO NOTHING`,
    ),
    update: prepare('UPDATE flow_objects SET body = ?, group_key = ?, version = version + 1, updated_at_ms = ? WHERE kind = ? AND id = ? AND version = ?'),
  };
}

export class SqliteFlowStore extends FlowSecrets implements FlowStore, FlowTransaction {
  private readonly statements: ReturnType<typeof prepareStatements>;

  constructor(private readonly database: SqliteDatabase, private readonly serialise: Serialise, sealingKey: Uint8Array) {
    super(sealingKey);
    this.statements = prepareStatements(database);
  }

  async get<T extends FlowBody>(kind: string, id: string): Promise<FlowObject<T> | null> {
    const row = this.statements.select.get(kind, id);
    return row === undefined ? null : flowObjectOf<T>(row);
  }

  async list<T extends FlowBody>(kind: string, query: FlowListQuery): Promise<Array<FlowObject<T>>> {
    const { text, values } = flowListSql(kind, query, () => '?');
    const rows = this.database.prepare(text).all(...values) as FlowSqlRow[];
    return rows.map((row) => flowObjectOf<T>(row));
  }

  async insert<T extends FlowBody>(object: NewFlowObject<T>, nowMs: number): Promise<boolean> {
    const body = flowBodyText(object.body);
    const result = this.statements.insert.run(object.kind, object.id, object.ownerPartyId, object.groupKey ?? null, body, nowMs);
    return result.changes === 1;
  }

  async update<T extends FlowBody>(current: FlowObject<T>, body: T, nowMs: number, groupKey?: string | null): Promise<FlowObject<T>> {
    const text = flowBodyText(body);
    const group = groupKey === undefined ? current.groupKey : groupKey;
    const result = this.statements.update.run(text, group, nowMs, current.kind, current.id, current.version);
    if (result.changes !== 1) throw new FlowVersionConflict(current.kind, current.id);
    return { ...current, body: JSON.parse(text) as T, groupKey: group, version: current.version + 1, updatedAtMs: nowMs };
  }

  transact<T>(_lockKey: string, work: (transaction: FlowTransaction) => Promise<T>): Promise<T> {
    return this.serialise(async () => {
      this.database.exec('BEGIN IMMEDIATE');
      try {
        const result = await work(this);
        this.database.exec('COMMIT');
        return result;
      } catch (error) {
        if (this.database.inTransaction) this.database.exec('ROLLBACK');
        throw error;
      }
    });
  }
}
