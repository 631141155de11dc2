/** Recording layer: execution traces, their Merkle trees, content-addressed storage and signed receipts. */
export * from "./decimal.js";
export * from "./errors.js";
export * from "./merkle.js";
export * from "./receipt.js";
export * from "./store/content-store.js";
export * from "./store/local.js";
export * from "./store/s3.js";
export * from "./trace.js";
export * from "./trace-writer.js";
export * from "./seal.js";
export * from "./units.js";
export * from "./post.js";
