import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The public DCAP sample quotes (Phala-Network/dcap-qvl `sample/`, MIT) and the times at which their collateral
 * is valid. A copy lives in `keeper/test-data/dcap/`; CI also places the originals in `../shared/data/dcap/`
 * beside the repository.
 */
export interface DcapSample {
  name: string;
  quoteFile: string;
  collateralFile: string;
  /** A verification time (unix seconds) inside the collateral window. */
  at: number;
  /** Expected outcome at `at`: a TCB status and advisories, or the library's failure message. */
  expect: { status: string; advisoryIds: string[] } | { error: string };
}

export const DCAP_SAMPLES: readonly DcapSample[] = [
  {
    name: "sgx",
    quoteFile: "sgx_quote",
    collateralFile: "sgx_quote_collateral.json",
    at: 1750377600, // 2025-06-20T00:00:00Z
    expect: { status: "ConfigurationAndSWHardeningNeeded", advisoryIds: ["INTEL-SA-00289", "INTEL-SA-00615"] },
  },
  {
    name: "tdx",
    quoteFile: "tdx_quote",
    collateralFile: "tdx_quote_collateral.json",
    at: 1750377600,
    expect: { status: "UpToDate", advisoryIds: [] },
  },
  {
    name: "tdx-outdated",
    quoteFile: "tdx_quote_outdated",
    collateralFile: "tdx_quote_outdated_collateral.json",
    at: 1772323200, // 2026-03-01T00:00:00Z, inside 2026-02-18..2026-03-20
    expect: { error: "No matching TCB level found" },
  },
];

const keeperRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** `keeper/test-data/dcap`: the copy of the samples shipped with the keeper. */
export const BUNDLED_DCAP_DIR = join(keeperRoot, "test-data", "dcap");

/** `<repo>/../shared/data/dcap` when present (CI places the shared data beside the repository), else undefined. */
export function sharedDcapDir(): string | undefined {
  const dir = resolve(keeperRoot, "..", "..", "shared", "data", "dcap");
  return existsSync(dir) ? dir : undefined;
}
