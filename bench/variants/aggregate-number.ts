// The aggregation kernel of SPEC §2 in plain JavaScript Numbers: the same
// algorithm as assembly/aggregate.ts (open row in locals, division only when
// a pair leaves the open interval), for the wasm/js-number ratio. Exact only
// while every product stays below 2^53 (d·3600, P·Δt, r·x < Δt²): true for
// the benchmark's data, not for the whole SPEC range.

export interface NumberColumns {
  meter: Uint32Array;
  t: Float64Array;
  i: Float64Array;
  /** −1 marks no export register. */
  x?: Float64Array;
}
export interface NumberOptions {
  intervalMs: number;
  maxPowerW: number;
  maxGapMs: number;
}
export interface NumberUnassigned {
  meter: number;
  channel: 'import' | 'export';
  from: number;
  to: number;
  mwh: number;
  reason: 'gap' | 'spike';
}
export interface NumberResult {
  meter: Uint32Array;
  start: Float64Array;
  imp: Float64Array;
  exp: Float64Array;
  flags: Uint8Array;
  unassigned: NumberUnassigned[];
}

const TIME_MAX_EXCLUSIVE = 253_402_300_800_000;
const REGISTER_MAX_EXCLUSIVE = 2 ** 53;

/** One channel's rows: start, energy, flags, grown by doubling. */
class Rows {
  start: Float64Array;
  energy: Float64Array;
  flags: Uint8Array;
  count = 0;

  constructor(capacity: number) {
    this.start = new Float64Array(capacity);
    this.energy = new Float64Array(capacity);
    this.flags = new Uint8Array(capacity);
  }

  push(start: number, energy: number, flags: number): void {
    if (this.count === this.start.length) this.grow();
    this.start[this.count] = start;
    this.energy[this.count] = energy;
    this.flags[this.count] = flags;
    this.count++;
  }

  private grow(): void {
    const capacity = this.start.length * 2 + 16;
    const start = new Float64Array(capacity);
    const energy = new Float64Array(capacity);
    const flags = new Uint8Array(capacity);
    start.set(this.start);
    energy.set(this.energy);
    flags.set(this.flags);
    Object.assign(this, { start, energy, flags });
  }
}

export function aggregateNumber(columns: NumberColumns, options: NumberOptions): NumberResult {
  const { meter, t, i } = columns;
  const x = columns.x;
  const count = meter.length;
  const importRows = new Rows(1024);
  const exportRows = new Rows(1024);
  // Rows are usually far fewer than readings: start small, grow by doubling.
  const capacity = (count >> 3) + 16;
  const out = { meter: new Uint32Array(capacity), start: new Float64Array(capacity), imp: new Float64Array(capacity), exp: new Float64Array(capacity), flags: new Uint8Array(capacity) };
  let outCount = 0;
  const unassigned: NumberUnassigned[] = [];
  let begin = 0;
  while (begin < count) {
    const end = validateMeter(columns, begin);
    const meterIndex = meter[begin]!;
    importRows.count = 0;
    exportRows.count = 0;
    const importEntries: NumberUnassigned[] = [];
    const exportEntries: NumberUnassigned[] = [];
    channelPass(t, i, begin, end, options, importRows, importEntries, meterIndex, 'import');
    if (x !== undefined) channelPass(t, x, begin, end, options, exportRows, exportEntries, meterIndex, 'export');
    const merged = importRows.count + exportRows.count;
    if (outCount + merged > out.meter.length) growOutput(out, outCount + merged);
    outCount = mergeRows(out, outCount, meterIndex, importRows, exportRows);
    unassigned.push(...mergeEntries(importEntries, exportEntries));
    begin = end;
  }
  return { meter: out.meter.slice(0, outCount), start: out.start.slice(0, outCount), imp: out.imp.slice(0, outCount), exp: out.exp.slice(0, outCount), flags: out.flags.slice(0, outCount), unassigned };
}

function growOutput(out: { meter: Uint32Array; start: Float64Array; imp: Float64Array; exp: Float64Array; flags: Uint8Array }, needed: number): void {
  const capacity = Math.max(needed, out.meter.length * 2);
  for (const key of ['meter', 'start', 'imp', 'exp', 'flags'] as const) {
    const grown = new (out[key].constructor as new (length: number) => typeof out[typeof key])(capacity);
    grown.set(out[key] as never);
    (out as Record<string, unknown>)[key] = grown;
  }
}

function validateMeter(columns: NumberColumns, begin: number): number {
  const { meter, t, i, x } = columns;
  const meterIndex = meter[begin]!;
  let index = begin;
  for (; index < meter.length; index++) {
    const exportValue = x === undefined ? -1 : x[index]!;
    if (!(t[index]! >= 0 && t[index]! < TIME_MAX_EXCLUSIVE && i[index]! >= 0 && i[index]! < REGISTER_MAX_EXCLUSIVE && exportValue >= -1 && exportValue < REGISTER_MAX_EXCLUSIVE)) {
      throw new Error(`reading ${index}: out of range`);
    }
    if (index === begin) continue;
    if (meter[index] !== meterIndex) {
      if (meter[index]! < meterIndex) throw new Error(`reading ${index}: unsorted`);
      break;
    }
    if (t[index]! <= t[index - 1]!) {
      if (t[index]! < t[index - 1]!) throw new Error(`reading ${index}: unsorted`);
      if (i[index] !== i[index - 1] || (x !== undefined && x[index] !== x[index - 1])) throw new Error(`reading ${index}: conflict`);
    }
  }
  return index;
}

// One channel of one meter, as in the kernel: pairs inside the open row's
// interval add to a local; everything else goes through `slowPair`.
function channelPass(t: Float64Array, value: Float64Array, begin: number, end: number, options: NumberOptions, rows: Rows, entries: NumberUnassigned[], meter: number, channel: 'import' | 'export'): void {
  const { intervalMs, maxPowerW, maxGapMs } = options;
  let index = begin;
  while (index < end && value[index]! < 0) index++;
  if (index >= end) return;
  let timeA = t[index]!;
  let valueA = value[index]!;
  const state = { openK: Math.floor(timeA / intervalMs) - 1, openEndMs: 0, energy: 0, flags: 0, hasOpen: false };
  state.openEndMs = (state.openK + 1) * intervalMs;
  let endMs = state.openEndMs;
  let energy = 0;
  for (index++; index < end; index++) {
    const valueB = value[index]!;
    const timeB = t[index]!;
    if (valueB < 0 || timeB === timeA) continue;
    const durationMs = timeB - timeA;
    const delta = valueB - valueA;
    if (timeB <= endMs && delta >= 0 && durationMs <= maxGapMs && delta * 3600 <= maxPowerW * durationMs) {
      energy += delta;
    } else {
      state.energy = energy;
      slowPair(state, rows, options, timeA, timeB, delta, durationMs);
      if (delta >= 0 && (durationMs > maxGapMs || delta * 3600 > maxPowerW * durationMs)) {
        entries.push({ meter, channel, from: timeA, to: timeB, mwh: delta, reason: durationMs > maxGapMs ? 'gap' : 'spike' });
      }
      energy = state.energy;
      endMs = state.openEndMs;
    }
    timeA = timeB;
    valueA = valueB;
  }
  if (state.hasOpen) rows.push(state.openK * intervalMs, energy, state.flags);
}

interface OpenRow {
  openK: number;
  openEndMs: number;
  energy: number;
  flags: number;
  hasOpen: boolean;
}

function slowPair(state: OpenRow, rows: Rows, options: NumberOptions, timeA: number, timeB: number, delta: number, durationMs: number): void {
  const { intervalMs, maxPowerW, maxGapMs } = options;
  const emit = (k: number, energy: number, flags: number): void => {
    if (k !== state.openK) {
      if (state.hasOpen) rows.push(state.openK * intervalMs, state.energy, state.flags);
      state.openK = k;
      state.openEndMs = (k + 1) * intervalMs;
      state.energy = 0;
      state.flags = 0;
      state.hasOpen = true;
    }
    state.energy += energy;
    state.flags |= flags;
  };
  const lastK = timeB <= state.openEndMs ? state.openK : timeB <= state.openEndMs + intervalMs ? state.openK + 1 : Math.floor((timeB - 1) / intervalMs);
  if (delta < 0) return emit(lastK, 0, 2);
  if (durationMs > maxGapMs) return emit(lastK, 0, 8);
  if (delta * 3600 > maxPowerW * durationMs) return emit(lastK, 0, 4);
  const flags = durationMs > intervalMs ? 1 : 0;
  let k = timeA < state.openEndMs ? state.openK : timeA === state.openEndMs ? state.openK + 1 : Math.floor(timeA / intervalMs);
  const quotient = Math.floor(delta / durationMs);
  const remainder = delta - quotient * durationMs;
  let done = 0;
  for (; k <= lastK; k++) {
    const elapsed = Math.min(timeB, (k + 1) * intervalMs) - timeA;
    const cumulative = quotient * elapsed + Math.floor((remainder * elapsed) / durationMs);
    emit(k, cumulative - done, flags);
    done = cumulative;
  }
}

function mergeRows(out: { meter: Uint32Array; start: Float64Array; imp: Float64Array; exp: Float64Array; flags: Uint8Array }, outCount: number, meter: number, importRows: Rows, exportRows: Rows): number {
  let a = 0;
  let b = 0;
  while (a < importRows.count || b < exportRows.count) {
    const importStart = a < importRows.count ? importRows.start[a]! : Infinity;
    const exportStart = b < exportRows.count ? exportRows.start[b]! : Infinity;
    const start = Math.min(importStart, exportStart);
    out.meter[outCount] = meter;
    out.start[outCount] = start;
    out.imp[outCount] = importStart === start ? importRows.energy[a]! : 0;
    out.exp[outCount] = exportStart === start ? exportRows.energy[b]! : 0;
    out.flags[outCount] = (importStart === start ? importRows.flags[a++]! : 0) | (exportStart === start ? exportRows.flags[b++]! : 0);
    outCount++;
  }
  return outCount;
}

function mergeEntries(importEntries: NumberUnassigned[], exportEntries: NumberUnassigned[]): NumberUnassigned[] {
  if (exportEntries.length === 0) return importEntries;
  return [...importEntries, ...exportEntries].sort((p, q) => p.from - q.from || (p.channel === 'import' ? -1 : 1));
}
