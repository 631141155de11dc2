/** Attestation layer: TEE quote providers (configfs-tsm TDX, development) and DCAP quote verification. */
export * from "./dcap.js";
export * from "./development.js";
export * from "./errors.js";
export * from "./quote-provider.js";
export * from "./report-data.js";
export * from "./samples.js";
export * from "./tdx-configfs.js";
export * from "./verify-quote-file.js";
export * from "./record.js";
export * from "./submit.js";
export * from "./pccs.js";
export * from "./pccs-server.js";
export * from "./onchain.js";
