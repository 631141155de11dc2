/** Most JSON-RPC calls in one batch the app's `/api/rpc` proxy forwards (larger batches are refused). */
export const RPC_MAX_BATCH = 100;
