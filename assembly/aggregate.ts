// aggregate kernel: see docs/wasm.md.
export const aggregateKernelVersion: i32 = 1;
