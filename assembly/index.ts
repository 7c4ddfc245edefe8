// The gridsettle WASM module: every export takes and returns numbers only.
// See docs/wasm.md for the memory layout each kernel expects.
export { roundHalfEven, mulDivHalfEven, mulDivFloor, MULDIV_OUT_OF_RANGE } from "./rounding";
export { heapBase } from "./memory";
export * from "./aggregate";
export * from "./tariff";
export * from "./share";
