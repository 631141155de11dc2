import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { verify } from "@phala/dcap-qvl";
import { PccsClient, PccsError, quotePlatform, rawJsonMember } from "./pccs.js";
import { startLocalPccs, type LocalPccs } from "./pccs-server.js";
import { BUNDLED_DCAP_DIR, DCAP_SAMPLES, sharedDcapDir } from "./samples.js";

const dir = sharedDcapDir() ?? BUNDLED_DCAP_DIR;
const sample = (name: string) => {
  const s = DCAP_SAMPLES.find((x) => x.name === name)!;
  return {
    ...s,
    quote: new Uint8Array(readFileSync(join(dir, s.quoteFile))),
    collateral: JSON.parse(readFileSync(join(dir, s.collateralFile), "utf8")) as Record<string, string>,
  };
};

describe("PCCS client and local PCCS", () => {
  let pccs: LocalPccs;
  before(async () => {
    pccs = await startLocalPccs();
  });
  after(() => pccs.close());

  it("quotePlatform_samples_readTeeFmspcAndCa", () => {
    assert.deepEqual((({ tee, fmspc, ca }) => ({ tee, fmspc, ca }))(quotePlatform(sample("sgx").quote)), {
      tee: "sgx",
      fmspc: "00A067110000",
      ca: "processor",
    });
    assert.deepEqual((({ tee, fmspc, ca }) => ({ tee, fmspc, ca }))(quotePlatform(sample("tdx").quote)), {
      tee: "tdx",
      fmspc: "B0C06F000000",
      ca: "platform",
    });
  });

  it("rawJsonMember_keepsSignedBytes_skipsNestedKeys", () => {
    const body = '{"x":{"tcbInfo":1},"tcbInfo":{"a":"}\\"","b":[1,{"c":2}]},"signature":"ab"}';
    assert.equal(rawJsonMember(body, "tcbInfo"), '{"a":"}\\"","b":[1,{"c":2}]}');
    assert.equal(rawJsonMember(body, "missing"), undefined);
  });

  for (const name of ["sgx", "tdx"]) {
    it(`collateralFor_${name}_equalsTheSampleAndVerifies`, async () => {
      const s = sample(name);
      const client = new PccsClient({ url: pccs.url });
      const c = await client.collateralFor(s.quote);
      for (const k of Object.keys(s.collateral)) assert.equal(c[k as keyof typeof c], s.collateral[k], k);
      const r = verify(s.quote, c, s.at);
      assert.equal(r.status, (s.expect as { status: string }).status);
    });
  }

  it("collateralFor_repeat_servedFromCache", async () => {
    let t = Date.parse("2025-06-20T00:00:00Z");
    const client = new PccsClient({ url: `${pccs.url}/sgx/certification/v4`, now: () => t });
    await client.collateralFor(sample("tdx").quote);
    assert.equal(client.requests, 4);
    await client.collateralFor(sample("tdx").quote);
    assert.equal(client.requests, 4);
    t += 2 * 3_600_000; // past the cache bound: fetched again
    await client.collateralFor(sample("tdx").quote);
    assert.equal(client.requests, 8);
  });

  it("collateralFor_unknownFmspc_namesTheUrl", async () => {
    const only = await startLocalPccs({ samples: ["sgx"] });
    try {
      const client = new PccsClient({ url: only.url });
      await assert.rejects(client.collateralFor(sample("tdx").quote), (err: unknown) => {
        assert.ok(err instanceof PccsError);
        assert.match(
          err.message,
          /404 to GET http:\/\/127\.0\.0\.1:\d+\/tdx\/certification\/v4\/tcb\?fmspc=B0C06F000000/,
        );
        return true;
      });
    } finally {
      await only.close();
    }
  });
});
