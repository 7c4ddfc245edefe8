// tariff kernel: see docs/wasm.md.
export const tariffKernelVersion: i32 = 1;
