// The kernels never allocate: the host owns linear memory from `heapBase()`
// upwards, writes input columns there and reads results back.

/** First byte the host may use for its columns (8-byte aligned). */
export function heapBase(): usize {
  return (__heap_base + 7) & ~(<usize>7);
}
