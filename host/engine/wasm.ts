// The only place that instantiates the WASM module and touches its memory.
// Kernels never allocate: the host lays out columns from `heapBase()` up
// with a bump `Arena`, growing memory first and taking views afterwards
// (views die when memory grows).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { instantiateSync } from '@assemblyscript/loader';
import { limitExceeded } from '../errors.js';
import { WASM_MEMORY_BYTES_MAX, WASM_MEMORY_RESET_BYTES } from '../limits.js';

/** Absolute path of the release `.wasm` file (documented in docs/wasm.md). */
export const wasmPath: string = fileURLToPath(new URL('../../../build/gridsettle.wasm', import.meta.url));

const WASM_PAGE_BYTES = 65_536;

/** The part of `WebAssembly.Memory` the host uses. */
interface LinearMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

export interface KernelExports {
  memory: LinearMemory;
  heapBase(): number;
  roundHalfEven(n: bigint, c: bigint): bigint;
  mulDivHalfEven(a: bigint, b: bigint, c: bigint): bigint;
  mulDivFloor(a: bigint, b: bigint, c: bigint): bigint;
  [kernel: string]: unknown;
}

let instance: KernelExports | undefined;

/** The module's exports, instantiated once and again after a large call dropped it. */
export function kernels(): KernelExports {
  if (instance === undefined) {
    const module = instantiateSync<Record<string, unknown>>(readFileSync(wasmPath), {});
    instance = module.exports as unknown as KernelExports;
  }
  return instance;
}

/** Bytes of linear memory the current instance holds. */
export function wasmMemoryBytes(): number {
  return kernels().memory.buffer.byteLength;
}

/**
 * Runs one kernel call (all its arenas); linear memory never shrinks, so
 * when the call left it past WASM_MEMORY_RESET_BYTES the instance is dropped
 * and the next call starts from a fresh one at the baseline. Results must be
 * copied out of linear memory inside `run`.
 */
export function withKernelMemory<T>(run: () => T): T {
  try {
    return run();
  } finally {
    if (instance !== undefined && instance.memory.buffer.byteLength > WASM_MEMORY_RESET_BYTES) instance = undefined;
  }
}

/** An exported `i32` constant of the module (a kernel status code, by its export name). */
export function kernelConstant(name: string): number {
  const exported = kernels()[name] as { value: number } | undefined;
  if (exported === undefined) throw new Error(`the WASM module exports no constant ${name}`);
  return exported.value;
}

/** The WASM exact helpers that report a result past i64 as `MULDIV_OUT_OF_RANGE`. */
export type ExactHelper = 'mulDivHalfEven' | 'mulDivFloor';

/** `rhe(a × b / c)` or `floor(a × b / c)` by the WASM helper; its out-of-range sentinel is `limit_exceeded`. */
export function exactMulDiv(helper: ExactHelper, a: bigint, b: bigint, c: bigint): bigint {
  const exports = kernels();
  const result = exports[helper](a, b, c);
  if (result === (exports.MULDIV_OUT_OF_RANGE as { value: bigint }).value) {
    throw limitExceeded('EXACT_HELPER_RESULT_MAX', `${helper}(${a}, ${b}, ${c}) is outside i64 or its operands outside the domain`);
  }
  return result;
}

/**
 * A bump allocator over linear memory for one kernel call. Reserve every
 * region first, then call `commit()` to grow memory once, then take views.
 */
export class Arena {
  private readonly exports = kernels();
  private next: number;

  constructor() {
    this.next = this.exports.heapBase();
  }

  /** Byte offset of a fresh region of `bytes`, 8-byte aligned. */
  reserve(bytes: number): number {
    const pointer = this.next;
    this.next = pointer + Math.ceil(bytes / 8) * 8;
    return pointer;
  }

  /** First byte past every reservation: the linear memory this call needs. */
  get end(): number {
    return this.next;
  }

  /**
   * Grows memory to hold every reservation. Past 4 GiB, or when the engine
   * cannot grow (the process is short of memory), the call is
   * `limit_exceeded`, never a RangeError.
   */
  commit(): void {
    if (this.next > WASM_MEMORY_BYTES_MAX) {
      throw limitExceeded('WASM_MEMORY_BYTES_MAX', `this call needs ${this.next} bytes of WASM memory, more than ${WASM_MEMORY_BYTES_MAX}`);
    }
    const memory = this.exports.memory;
    const missing = this.next - memory.buffer.byteLength;
    if (missing <= 0) return;
    try {
      memory.grow(Math.ceil(missing / WASM_PAGE_BYTES));
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
      throw limitExceeded('WASM_MEMORY_BYTES_MAX', `WASM memory could not grow to ${this.next} bytes: ${error.message}`);
    }
  }

  get buffer(): ArrayBuffer {
    return this.exports.memory.buffer;
  }

  i64(pointer: number, length: number): BigInt64Array {
    return new BigInt64Array(this.buffer, pointer, length);
  }

  u32(pointer: number, length: number): Uint32Array {
    return new Uint32Array(this.buffer, pointer, length);
  }

  i32(pointer: number, length: number): Int32Array {
    return new Int32Array(this.buffer, pointer, length);
  }

  u8(pointer: number, length: number): Uint8Array {
    return new Uint8Array(this.buffer, pointer, length);
  }
}
