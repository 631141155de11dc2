import { randomBytes } from "node:crypto";
import { mkdir, readFile, rmdir, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { hexlify } from "ethers";
import { parseDcapQuote, reportBody } from "./dcap.js";
import { QuoteProviderError, TsmGenerationMismatchError } from "./errors.js";
import type { QuoteProvider, QuoteResult } from "./quote-provider.js";
import { REPORT_DATA_LENGTH } from "./report-data.js";

/**
 * TDX quotes through the Linux kernel's configfs-tsm interface (Documentation/ABI/testing/configfs-tsm), which
 * a TDX guest kernel (6.7+) exposes at /sys/kernel/config/tsm/report. Protocol, per report:
 *   1. `mkdir <root>/<entry>`: the kernel populates the entry with attribute files;
 *   2. read `generation` (a decimal counter the kernel bumps on every write to the entry) -> g0;
 *   3. write the 64 bytes of report data to `inblob` -> our write makes the generation g0 + 1;
 *   4. read `outblob` (the kernel asks the TDX module and the quoting service for the quote), then read
 *      `generation` again: if it is not g0 + 1, another writer raced us and the quote is discarded;
 *   5. read `provider` (must be "tdx_guest") and check `generation` once more;
 *   6. `rmdir <root>/<entry>` (always, also after an error).
 * The quote is then parsed and must carry exactly the report data we wrote. A generation race is retried with
 * a fresh entry up to `maxAttempts` times.
 */
export const TSM_REPORT_ROOT = "/sys/kernel/config/tsm/report";

/** The file operations the protocol uses (node:fs by default; injectable so a test can stand in for the kernel). */
export interface ConfigfsIo {
  mkdir(path: string): Promise<void>;
  rmdir(path: string): Promise<void>;
  readFile(path: string): Promise<Uint8Array>;
  writeFile(path: string, data: Uint8Array): Promise<void>;
  isDirectory(path: string): Promise<boolean>;
}

export const nodeConfigfsIo: ConfigfsIo = {
  mkdir: async (p) => {
    await mkdir(p);
  },
  rmdir: (p) => rmdir(p),
  readFile: (p) => readFile(p),
  writeFile: (p, d) => writeFile(p, d),
  isDirectory: async (p) => {
    try {
      return (await stat(p)).isDirectory();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return false;
      throw err;
    }
  },
};

export interface TdxConfigfsOptions {
  /** configfs-tsm report directory (default /sys/kernel/config/tsm/report). */
  root?: string;
  io?: ConfigfsIo;
  /** Expected `provider` attribute (default "tdx_guest"). */
  expectedProvider?: string;
  /** Attempts when a generation race is detected (default 3). */
  maxAttempts?: number;
}

export class TdxConfigfsQuoteProvider implements QuoteProvider {
  readonly type = "tdx" as const;
  readonly root: string;
  readonly #io: ConfigfsIo;
  readonly #expectedProvider: string;
  readonly #maxAttempts: number;

  constructor(opts: TdxConfigfsOptions = {}) {
    this.root = opts.root ?? TSM_REPORT_ROOT;
    this.#io = opts.io ?? nodeConfigfsIo;
    this.#expectedProvider = opts.expectedProvider ?? "tdx_guest";
    this.#maxAttempts = opts.maxAttempts ?? 3;
  }

  /** True when the configfs-tsm report directory exists (a TDX guest with configfs mounted). */
  isAvailable(): Promise<boolean> {
    return this.#io.isDirectory(this.root);
  }

  async getQuote(reportData: Uint8Array): Promise<QuoteResult> {
    if (reportData.length !== REPORT_DATA_LENGTH) {
      throw new QuoteProviderError("report data must be exactly 64 bytes", { details: `${reportData.length} bytes` });
    }
    if (!(await this.isAvailable())) {
      throw new QuoteProviderError("configfs-tsm is not available: not a TDX guest or configfs not mounted", {
        details: this.root,
      });
    }
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#once(reportData);
      } catch (err) {
        if (!(err instanceof TsmGenerationMismatchError) || attempt >= this.#maxAttempts) throw err;
      }
    }
  }

  async #generation(entry: string): Promise<bigint> {
    const text = Buffer.from(await this.#io.readFile(join(entry, "generation")))
      .toString("utf8")
      .trim();
    if (!/^[0-9]+$/.test(text))
      throw new QuoteProviderError("configfs-tsm generation is not a number", { details: text });
    return BigInt(text);
  }

  async #checkedRead(entry: string, attribute: string, expected: bigint): Promise<Uint8Array> {
    const data = await this.#io.readFile(join(entry, attribute));
    const got = await this.#generation(entry);
    if (got !== expected) {
      throw new TsmGenerationMismatchError("configfs-tsm report entry was written concurrently", {
        details: `generation ${got} while reading ${attribute}, expected ${expected}`,
      });
    }
    return data;
  }

  async #once(reportData: Uint8Array): Promise<QuoteResult> {
    const entry = join(this.root, `vsv-keeper-${process.pid}-${randomBytes(8).toString("hex")}`);
    try {
      await this.#io.mkdir(entry);
    } catch (err) {
      throw new QuoteProviderError("cannot create a configfs-tsm report entry", { details: entry, cause: err });
    }
    let result: QuoteResult | undefined;
    let failure: unknown;
    try {
      const g0 = await this.#generation(entry);
      await this.#io.writeFile(join(entry, "inblob"), reportData);
      const expected = g0 + 1n;
      const outblob = await this.#checkedRead(entry, "outblob", expected);
      const provider = Buffer.from(await this.#checkedRead(entry, "provider", expected))
        .toString("utf8")
        .trim();
      if (provider !== this.#expectedProvider) {
        throw new QuoteProviderError("unexpected configfs-tsm provider", {
          details: `got "${provider}", expected "${this.#expectedProvider}"`,
        });
      }
      const parsed = parseDcapQuote(outblob);
      if (parsed.header.teeType !== 0x81) {
        throw new QuoteProviderError("configfs-tsm returned a quote that is not a TDX quote", {
          details: `tee type 0x${parsed.header.teeType.toString(16)}`,
        });
      }
      const carried = reportBody(parsed.report).reportData;
      if (hexlify(carried) !== hexlify(reportData)) {
        throw new QuoteProviderError("the quote does not carry the report data we wrote", {
          details: `got ${hexlify(carried)}`,
        });
      }
      result = { type: "tdx", quote: new Uint8Array(outblob), reportData: new Uint8Array(reportData), provider };
    } catch (err) {
      failure = err;
    }
    try {
      await this.#io.rmdir(entry);
    } catch (err) {
      failure =
        failure === undefined
          ? new QuoteProviderError("cannot remove the configfs-tsm report entry", { details: entry, cause: err })
          : new QuoteProviderError("configfs-tsm report failed and its entry could not be removed", {
              details: entry,
              cause: new AggregateError([failure, err]),
            });
    }
    if (failure !== undefined) throw failure;
    if (!result) throw new QuoteProviderError("configfs-tsm produced no result");
    return result;
  }
}
