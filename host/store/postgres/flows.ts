// FlowStore on PostgreSQL: `transact` takes a transaction-scoped advisory
// lock on its key, so hosts sharing the database run one writer per key;
// `update` also checks the version it read, in case a writer used another key.
import type { PostgresSql } from '../postgres.js';
import {
  flowBodyText, flowListSql, flowObjectOf, FlowSecrets, FlowVersionConflict, FLOW_COLUMNS,
  type FlowBody, type FlowListQuery, type FlowObject, type FlowSqlRow, type FlowStore, type FlowTransaction, type NewFlowObject,
} from '../flow-store.js';

type Sql = PostgresSql;

class PostgresFlowAccess implements FlowTransaction {
  constructor(private readonly sql: Sql) {}

  async get<T extends FlowBody>(kind: string, id: string): Promise<FlowObject<T> | null> {
    const rows = await this.sql.unsafe<FlowSqlRow[]>(`SELECT ${FLOW_COLUMNS} FROM flow_objects WHERE kind = $1 AND id = $2`, [kind, id]);
    return rows.length === 0 ? null : flowObjectOf<T>(rows[0]!);
  }

  async list<T extends FlowBody>(kind: string, query: FlowListQuery): Promise<Array<FlowObject<T>>> {
    const { text, values } = flowListSql(kind, query, (n) => `$${n}`, ' COLLATE "C"');
    const rows = await this.sql.unsafe<FlowSqlRow[]>(text, values as never[]);
    return rows.map((row) => flowObjectOf<T>(row));
  }

  async insert<T extends FlowBody>(object: NewFlowObject<T>, nowMs: number): Promise<boolean> {
    const body = flowBodyText(object.body);
    const rows = await this.sql`
      INSERT INTO flow_objects (kind, id, owner_party_id, group_key, body, version, updated_at_ms)
      VALUES (${object.kind}, ${object.id}, ${object.ownerPartyId}, ${object.groupKey ?? null}, ${body}, 1, ${nowMs})
      ON CONFLICT DO NOTHING RETURNING id`;
    return rows.length === 1;
  }

  async update<T extends FlowBody>(current: FlowObject<T>, body: T, nowMs: number, groupKey?: string | null): Promise<FlowObject<T>> {
    const text = flowBodyText(body);
    const group = groupKey === undefined ? current.groupKey : groupKey;
    const rows = await this.sql`
      UPDATE flow_objects SET body = ${text}, group_key = ${group}, version = version + 1, updated_at_ms = ${nowMs}
      WHERE kind = ${current.kind} AND id = ${current.id} AND version = ${current.version} RETURNING id`;
    if (rows.length !== 1) throw new FlowVersionConflict(current.kind, current.id);
    return { ...current, body: JSON.parse(text) as T, groupKey: group, version: current.version + 1, updatedAtMs: nowMs };
  }
}

export class PostgresFlowStore extends FlowSecrets implements FlowStore {
  private readonly reader: PostgresFlowAccess;

  constructor(private readonly sql: Sql, sealingKey: Uint8Array) {
    super(sealingKey);
    this.reader = new PostgresFlowAccess(sql);
  }

  get<T extends FlowBody>(kind: string, id: string): Promise<FlowObject<T> | null> {
    return this.reader.get<T>(kind, id);
  }

  list<T extends FlowBody>(kind: string, query: FlowListQuery): Promise<Array<FlowObject<T>>> {
    return this.reader.list<T>(kind, query);
  }

  async transact<T>(lockKey: string, work: (transaction: FlowTransaction) => Promise<T>): Promise<T> {
    const result = await this.sql.begin(async (transaction) => {
      const scoped = transaction as unknown as Sql;
      await scoped`SELECT pg_advisory_xact_lock(hashtext(${`flows:${lockKey}`}))`;
      return work(new PostgresFlowAccess(scoped));
    });
    return result as T;
  }
}
