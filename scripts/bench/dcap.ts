/**
 * Gas of on-chain DCAP verification (`DcapQuoteVerifier`) per real sample, with the P-256 precompile (Hardhat's
 * default hardfork, osaka: RIP-7212 / EIP-7951 at 0x100) and without it (prague: OpenZeppelin's `P256` falls back
 * to its Solidity implementation), first verification (nothing cached) and repeat (the PCK certificate, its CA and
 * the root cached by PEM hash), plus the one-time gas of storing each collateral document.
 *
 * Run: `npx hardhat run scripts/bench/dcap.ts`. Figures go to docs/benchmarks.md ("On-chain DCAP verification").
 */
import { dcapChainAt, submitCollateral } from "../../test/attestation/dcap/fixture.js";
import { SGX, TDX } from "../../test/attestation/dcap/samples.js";

for (const hardfork of ["osaka", "prague"]) {
  for (const s of [SGX(), TDX()]) {
    const c = await dcapChainAt(s, { hardfork });
    const collateralGas = await submitCollateral(c, s);
    const first = (await (await c.verifier.verifyQuote(s.quote)).wait())!.gasUsed;
    const repeat = (await (await c.verifier.verifyQuote(s.quote)).wait())!.gasUsed;
    const precompile = hardfork === "osaka" ? "with P-256 precompile" : "without precompile (Solidity P256)";
    console.log(
      `${s.name.toUpperCase()} ${precompile}: verifyQuote first ${first.toLocaleString("en-US")} gas, repeat ${repeat.toLocaleString("en-US")} gas; ` +
        `collateral ${Object.entries(collateralGas)
          .map(([k, v]) => `${k} ${v.toLocaleString("en-US")}`)
          .join(", ")}`,
    );
  }
}
