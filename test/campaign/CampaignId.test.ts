import { expect } from "chai";
import { network } from "hardhat";
import { readFileSync } from "node:fs";

const { ethers, networkHelpers } = await network.create();

interface Vector {
  name: string;
  spec: {
    assetPair: string;
    priceWindow: { minPrice: string; maxPrice: string; notBefore: string; notAfter: string };
    route: { strategyId: string; sourceVenue: string; targetVenue: string };
  };
  dispatch: { mode: "race" | "dispatch"; dispatchBy: "reputation" | "capital"; dispatchOrder: string[] };
  campaignId: string;
}

const vectors = (
  JSON.parse(readFileSync(new URL("../vectors/campaign-id.json", import.meta.url), "utf8")) as { vectors: Vector[] }
).vectors;

async function idHarness() {
  // The registry's pure `campaignIdOf` needs no wiring: zero addresses for its dependencies.
  const z = ethers.ZeroAddress;
  return ethers.deployContract("CampaignRegistry", [z, z, z, z]);
}

describe("CampaignIdLib", function () {
  it("campaignIdOf_sharedVectors_matchTypeScript", async function () {
    const registry = await networkHelpers.loadFixture(idHarness);
    expect(vectors.length).to.be.greaterThanOrEqual(6);
    for (const v of vectors) {
      const pw = v.spec.priceWindow;
      const spec = {
        assetPair: v.spec.assetPair,
        priceWindow: {
          minPrice: BigInt(pw.minPrice),
          maxPrice: BigInt(pw.maxPrice),
          notBefore: BigInt(pw.notBefore),
          notAfter: BigInt(pw.notAfter),
        },
        route: v.spec.route,
      };
      const d = v.dispatch;
      const mode = d.mode === "race" ? 0 : 1;
      const by = d.dispatchBy === "capital" ? 1 : 0;
      expect(await registry.campaignIdOf(spec, mode, by, d.dispatchOrder), v.name).to.equal(v.campaignId);
    }
  });
});
