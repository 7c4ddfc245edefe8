// The settlement read on SQLite, one chunk of meters at a time, on any
// connection: the store's own, or the read-only one of a settlement read
// worker. Per meter and page of readings, SQLite builds t, i and x as three
// JSON arrays, so the host receives one result row per page instead of one
// JS array per reading: ~2.5× faster here (docs/storage.md). JSON.parse
// yields doubles, which are exact for safe integers (every register ingest
// accepts is below 2^53); a page holding anything else is read again row by
// row as bigint, so the result is exact either way.
import type { Statement } from 'better-sqlite3';
import type { SqliteDatabase } from '../sqlite.js';
import { MAX_POWER_W_DEFAULT, READINGS_CHUNK_ROWS_RESERVED_MAX, READINGS_ROWS_PER_QUERY } from '../../limits.js';
import { ChunkBuilder, planChunks } from '../reading-chunks.js';
import { NO_EXPORT_MWH, type ReadingChunk, type ReadingsQuery } from '../reading-store.js';

type Row = unknown[];

const PERIOD_PAGE = 'FROM readings WHERE meter_key = ? AND t >= ? AND t < ? ORDER BY t LIMIT ?';

interface Page {
  rowCount: number;
  lastTMs: bigint;
}

export class SqliteReadingScan {
  private readonly selectMeter: Statement<unknown[], Row>;
  private readonly selectJsonPage: Statement<unknown[], Row>;
  private readonly selectExactPage: Statement<unknown[], Row>;
  private readonly selectBefore: Statement<unknown[], Row>;
  private readonly selectAfter: Statement<unknown[], Row>;

  constructor(database: SqliteDatabase) {
    const prepare = (text: string): Statement<unknown[], Row> => database.prepare(text);
    this.selectMeter = prepare('SELECT meter_key, max_power_w FROM meters WHERE id = ?').raw(true);
    this.selectJsonPage = prepare(
      `SELECT json_group_array(t), json_group_array(i), json_group_array(ifnull(x, -1)) FROM (SELECT t, i, x ${PERIOD_PAGE})`,
    ).raw(true);
    this.selectExactPage = prepare(`SELECT t, i, x ${PERIOD_PAGE}`).raw(true).safeIntegers(true);
    this.selectBefore = prepare('SELECT t, i, x FROM readings WHERE meter_key = ? AND t < ? ORDER BY t DESC LIMIT 1').raw(true).safeIntegers(true);
    this.selectAfter = prepare('SELECT t, i, x FROM readings WHERE meter_key = ? AND t >= ? ORDER BY t LIMIT 1').raw(true).safeIntegers(true);
  }

  /**
   * `readingsForMeters`: each chunk is read inside one `step`, which makes it
   * one consistent read (the store's write queue, or a read transaction).
   */
  async *chunks(query: ReadingsQuery, step: (read: () => ReadingChunk) => Promise<ReadingChunk>): AsyncIterable<ReadingChunk> {
    const plan = planChunks(query);
    for (const meterIds of plan.meterChunks) {
      yield await step(() => this.readChunk(meterIds, plan.fromMs, plan.toMs, plan.boundaryReadings));
    }
  }

  private readChunk(meterIds: string[], fromMs: bigint, toMs: bigint, boundaryReadings: boolean): ReadingChunk {
    const builder = new ChunkBuilder();
    const maxPowerW = new Uint32Array(meterIds.length).fill(MAX_POWER_W_DEFAULT);
    meterIds.forEach((meterId, meterIndex) => {
      const meter = this.selectMeter.get(meterId) as [number, number] | undefined;
      if (meter === undefined) return;
      const [meterKey, meterMaxPowerW] = meter;
      maxPowerW[meterIndex] = meterMaxPowerW;
      if (boundaryReadings) appendExactRow(builder, meterIndex, this.selectBefore.get(meterKey, fromMs));
      this.appendPeriod(builder, meterIndex, meterKey, fromMs, toMs);
      if (boundaryReadings) appendExactRow(builder, meterIndex, this.selectAfter.get(meterKey, toMs));
      // Meters of a fleet mostly read alike: size the columns for all of them after the first.
      if (meterIndex === 0) builder.reserve(Math.min(builder.rows * meterIds.length, READINGS_CHUNK_ROWS_RESERVED_MAX));
    });
    return builder.finish(meterIds, maxPowerW);
  }

  private appendPeriod(builder: ChunkBuilder, meterIndex: number, meterKey: number, fromMs: bigint, toMs: bigint): void {
    let pageFromMs = fromMs;
    for (;;) {
      const page = this.appendJsonPage(builder, meterIndex, meterKey, pageFromMs, toMs)
        ?? this.appendExactPage(builder, meterIndex, meterKey, pageFromMs, toMs);
      if (page.rowCount < READINGS_ROWS_PER_QUERY) return;
      pageFromMs = page.lastTMs + 1n;
    }
  }

  private appendJsonPage(builder: ChunkBuilder, meterIndex: number, meterKey: number, fromMs: bigint, toMs: bigint): Page | null {
    const [tJson, iJson, xJson] = this.selectJsonPage.get(meterKey, fromMs, toMs, READINGS_ROWS_PER_QUERY) as [string, string, string];
    const tMs = JSON.parse(tJson) as number[];
    if (!builder.appendSafeIntegers(meterIndex, tMs, JSON.parse(iJson) as number[], JSON.parse(xJson) as number[])) return null;
    return { rowCount: tMs.length, lastTMs: tMs.length === 0 ? fromMs : BigInt(tMs[tMs.length - 1]!) };
  }

  private appendExactPage(builder: ChunkBuilder, meterIndex: number, meterKey: number, fromMs: bigint, toMs: bigint): Page {
    const rows = this.selectExactPage.all(meterKey, fromMs, toMs, READINGS_ROWS_PER_QUERY);
    for (const row of rows) appendExactRow(builder, meterIndex, row);
    return { rowCount: rows.length, lastTMs: rows.length === 0 ? fromMs : (rows[rows.length - 1]![0] as bigint) };
  }
}

function appendExactRow(builder: ChunkBuilder, meterIndex: number, row: Row | undefined): void {
  if (row === undefined) return;
  const [tMs, importMWh, exportMWh] = row as [bigint, bigint, bigint | null];
  builder.append(meterIndex, tMs, importMWh, exportMWh ?? NO_EXPORT_MWH);
}
