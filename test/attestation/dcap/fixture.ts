import { network } from "hardhat";
import { hex, utf8, type Sample } from "./samples.js";

/**
 * A fresh in-process chain whose clock starts a day before the sample's pinned time and is then set exactly to
 * it, with the certificate registry, the collateral registry and the verifier deployed. `hardfork` "prague"
 * gives a chain without the P-256 precompile (RIP-7212 / EIP-7951 arrive with "osaka", Hardhat's default):
 * OpenZeppelin's `P256` then runs its Solidity implementation.
 */
export async function dcapChainAt(s: Sample, opts: { hardfork?: string } = {}) {
  const conn = await network.create({
    override: {
      initialDate: new Date((s.at - 86400) * 1000).toISOString(),
      ...(opts.hardfork ? { hardfork: opts.hardfork } : {}),
    },
  });
  const { ethers, networkHelpers } = conn;
  const certs = await ethers.deployContract("DcapCertificateRegistry");
  const collateral = await ethers.deployContract("DcapCollateralRegistry", [await certs.getAddress()]);
  const verifier = await ethers.deployContract("DcapQuoteVerifier", [
    await certs.getAddress(),
    await collateral.getAddress(),
  ]);
  await networkHelpers.time.increaseTo(s.at);
  return { conn, ethers, networkHelpers, certs, collateral, verifier };
}

export type DcapChain = Awaited<ReturnType<typeof dcapChainAt>>;

/** Submits the sample's collateral (root CRL, PCK CRL, TCB info, QE identity); returns the gas of each. */
export async function submitCollateral(c: DcapChain, s: Sample, skip: string[] = []) {
  const col = s.collateral;
  const gas: Record<string, bigint> = {};
  const run = async (name: string, p: () => Promise<{ wait(): Promise<{ gasUsed: bigint } | null> }>) => {
    if (skip.includes(name)) return;
    gas[name] = (await (await p()).wait())!.gasUsed;
  };
  await run("rootCrl", () => c.certs.submitRootCrl(hex(col.root_ca_crl)));
  await run("pckCrl", () => c.certs.submitPckCrl(hex(col.pck_crl), utf8(col.pck_crl_issuer_chain)));
  await run("tcbInfo", () =>
    c.collateral.submitTcbInfo(utf8(col.tcb_info), hex(col.tcb_info_signature), utf8(col.tcb_info_issuer_chain)),
  );
  await run("qeIdentity", () =>
    c.collateral.submitQeIdentity(
      utf8(col.qe_identity),
      hex(col.qe_identity_signature),
      utf8(col.qe_identity_issuer_chain),
    ),
  );
  return gas;
}
