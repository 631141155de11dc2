import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseAbi } from "viem";
import { expectedVaultAbi, missingFromVault, signature } from "./check";
import { expectedVaultSignatures } from "./expected";

describe("missingFromVault", () => {
  it("missingFromVault_theAgreedInterfaceComplies", () => {
    assert.deepEqual(missingFromVault(expectedVaultAbi()), []);
  });

  it("missingFromVault_aSupersetWithOtherNamesComplies", () => {
    // The real vault has more functions and its own parameter names: still compliant.
    const renamed = expectedVaultSignatures.map((s) =>
      s.replace("uint256 shares, uint8 tier", "uint256 amount, uint8 t"),
    );
    const abi = parseAbi([...renamed, "function draw(address keeper, uint256 assets)"]);
    assert.deepEqual(missingFromVault(abi), []);
  });

  it("missingFromVault_namesAMissingFunction", () => {
    const abi = parseAbi(expectedVaultSignatures.filter((s) => !s.startsWith("function claim(")) as string[]);
    assert.deepEqual(missingFromVault(abi), ["function claim() nonpayable returns (uint256)"]);
  });

  it("missingFromVault_catchesAChangedType", () => {
    const abi = parseAbi(
      expectedVaultSignatures.map((s) => s.replace("sleeveAssets(uint8 sleeve)", "sleeveAssets(uint256 sleeve)")),
    );
    assert.deepEqual(missingFromVault(abi), ["function sleeveAssets(uint8) view returns (uint256)"]);
  });
});

describe("signature", () => {
  it("signature_includesTupleComponentsAndIndexedFlags", () => {
    const [fn, ev] = parseAbi([
      "struct S { uint128 a; int256 b; }",
      "function f(S[] s) view returns (S)",
      "event E(address indexed who, uint256 v)",
    ]);
    assert.equal(signature(fn!), "function f((uint128,int256)[]) view returns ((uint128,int256))");
    assert.equal(signature(ev!), "event E(address indexed,uint256)");
  });
});
