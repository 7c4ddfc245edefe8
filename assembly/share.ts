// share kernel: see docs/wasm.md.
export const shareKernelVersion: i32 = 1;
