/**
 * On-chain attestation: the collateral a quote needs is put into the on-chain registries when it is missing
 * there (root CA CRL, PCK CRL of the quote's CA, TCB info of its FMSPC, QE identity of its TEE, each only if the
 * chain does not already hold that issue or a newer one), then the quote is submitted to
 * `AttestationRegistry.submitQuote`, which verifies it with the configured `DcapQuoteVerifier`. No verifier key is
 * involved: anyone may send both, and what is stored is checked against Intel's root key on-chain.
 */
import { X509Certificate } from "node:crypto";
import { AbiCoder, getBytes, keccak256, toUtf8Bytes, ZeroAddress, type Interface } from "ethers";
import type { Collateral } from "@phala/dcap-qvl";
import {
  AttestationRegistry__factory,
  IDcapCertificateRegistry__factory,
  IDcapCollateralRegistry__factory,
  IDcapQuoteVerifier__factory,
} from "../../../types/ethers-contracts/index.js";
import type { AttestationRegistry } from "../../../types/ethers-contracts/index.js";
import { decodeRevert } from "../chain/errors.js";
import type { TxSender } from "../chain/sender.js";
import { AttestationError } from "./errors.js";

export interface OnChainContext {
  /** The AttestationRegistry (any runner: reads go through `sender.provider`). */
  registryAddress: string;
  /** Sends the transactions (the keeper's nonce-safe sender). */
  sender: TxSender;
}

const bytes = (v: string | number[] | Uint8Array) =>
  typeof v === "string" ? getBytes(v.startsWith("0x") ? v : `0x${v}`) : Uint8Array.from(v);

const interfaces: Interface[] = [
  AttestationRegistry__factory.createInterface(),
  IDcapQuoteVerifier__factory.createInterface(),
  IDcapCertificateRegistry__factory.createInterface(),
  IDcapCollateralRegistry__factory.createInterface(),
];

/** keccak256(abi.encode(x, y)) of the first certificate's P-256 key in a PEM chain (the registry's issuer key hash). */
export function issuerKeyHash(chainPem: string): string {
  const first = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/.exec(chainPem);
  if (!first) throw new AttestationError("issuer chain holds no certificate");
  const raw = new X509Certificate(first[0]).publicKey.export({ format: "der", type: "spki" }).subarray(-64);
  return keccak256(AbiCoder.defaultAbiCoder().encode(["bytes32", "bytes32"], [raw.subarray(0, 32), raw.subarray(32)]));
}

/** Sends `data` to `to` after a static call; a `...NotNewer` refusal (the chain holds newer) skips it. */
async function sendUnlessStale(ctx: OnChainContext, label: string, to: string, data: string): Promise<boolean> {
  try {
    await ctx.sender.provider.call({ to, data, from: await ctx.sender.signer.getAddress() });
  } catch (err) {
    const decoded = decodeRevert(label, err, interfaces);
    if (decoded?.reason.endsWith("NotNewer")) return false;
    throw new AttestationError(`${label} refused on-chain: ${decoded?.reason ?? "unknown revert"}`, {
      details: decoded?.message,
      cause: err,
    });
  }
  await ctx.sender.send(label, { to, data });
  return true;
}

/** Puts the quote's collateral on-chain where missing; returns the names of what was submitted. */
export async function submitCollateralOnChain(ctx: OnChainContext, collateral: Collateral): Promise<string[]> {
  const provider = ctx.sender.provider;
  const registry = AttestationRegistry__factory.connect(ctx.registryAddress, provider);
  const verifierAddress = await registry.quoteVerifier();
  if (verifierAddress === ZeroAddress) {
    throw new AttestationError("the AttestationRegistry has no on-chain quote verifier", {
      details: `registry ${ctx.registryAddress}`,
    });
  }
  const verifier = IDcapQuoteVerifier__factory.connect(verifierAddress, provider);
  const certs = IDcapCertificateRegistry__factory.connect(await verifier.certificates(), provider);
  const coll = IDcapCollateralRegistry__factory.connect(await verifier.collateral(), provider);
  const submitted: string[] = [];
  const certsAddress = await certs.getAddress();
  const collAddress = await coll.getAddress();

  const rootCrl = bytes(collateral.root_ca_crl);
  if ((await certs.crlOf(await certs.rootKeyHash())).crlHash !== keccak256(rootCrl)) {
    const data = certs.interface.encodeFunctionData("submitRootCrl", [rootCrl]);
    if (await sendUnlessStale(ctx, "submit root CA CRL", certsAddress, data)) submitted.push("rootCrl");
  }
  const pckCrl = bytes(collateral.pck_crl);
  if ((await certs.crlOf(issuerKeyHash(collateral.pck_crl_issuer_chain))).crlHash !== keccak256(pckCrl)) {
    const data = certs.interface.encodeFunctionData("submitPckCrl", [
      pckCrl,
      toUtf8Bytes(collateral.pck_crl_issuer_chain),
    ]);
    if (await sendUnlessStale(ctx, "submit PCK CRL", certsAddress, data)) submitted.push("pckCrl");
  }
  const tcb = JSON.parse(collateral.tcb_info) as { id: string; fmspc: string; issueDate: string };
  const tee = tcb.id === "TDX" ? 2 : 1;
  const storedTcb = await coll.tcbInfo(tee, `0x${tcb.fmspc}`);
  if (Number(storedTcb.issueDate) < Date.parse(tcb.issueDate) / 1000) {
    const data = coll.interface.encodeFunctionData("submitTcbInfo", [
      toUtf8Bytes(collateral.tcb_info),
      bytes(collateral.tcb_info_signature),
      toUtf8Bytes(collateral.tcb_info_issuer_chain),
    ]);
    if (await sendUnlessStale(ctx, "submit TCB info", collAddress, data)) submitted.push("tcbInfo");
  }
  const qe = JSON.parse(collateral.qe_identity) as { id: string; issueDate: string };
  const storedQe = await coll.qeIdentity(qe.id === "TD_QE" ? 2 : 1);
  if (Number(storedQe.issueDate) < Date.parse(qe.issueDate) / 1000) {
    const data = coll.interface.encodeFunctionData("submitQeIdentity", [
      toUtf8Bytes(collateral.qe_identity),
      bytes(collateral.qe_identity_signature),
      toUtf8Bytes(collateral.qe_identity_issuer_chain),
    ]);
    if (await sendUnlessStale(ctx, "submit QE identity", collAddress, data)) submitted.push("qeIdentity");
  }
  return submitted;
}

/** Submits the collateral where missing, then the quote; returns the keeper the quote binds and the tx hash. */
export async function attestOnChain(
  ctx: OnChainContext,
  quote: Uint8Array,
  collateral: Collateral,
): Promise<{ keeper: string; txHash: string; collateralSubmitted: string[] }> {
  const collateralSubmitted = await submitCollateralOnChain(ctx, collateral);
  const registry: AttestationRegistry = AttestationRegistry__factory.connect(ctx.registryAddress, ctx.sender.provider);
  const data = registry.interface.encodeFunctionData("submitQuote", [quote]);
  try {
    await ctx.sender.provider.call({ to: ctx.registryAddress, data, from: await ctx.sender.signer.getAddress() });
  } catch (err) {
    const decoded = decodeRevert("submit quote", err, interfaces);
    throw new AttestationError(`quote refused on-chain: ${decoded?.reason ?? "unknown revert"}`, {
      details: decoded?.message,
      cause: err,
    });
  }
  const receipt = await ctx.sender.send("submit quote", { to: ctx.registryAddress, data });
  for (const log of receipt.logs) {
    const parsed = (() => {
      try {
        return registry.interface.parseLog(log);
      } catch {
        return null; // another contract's event
      }
    })();
    if (parsed?.name === "AttestationRecorded") {
      return { keeper: String(parsed.args[0]), txHash: receipt.hash, collateralSubmitted };
    }
  }
  throw new AttestationError("submitQuote mined without AttestationRecorded", { details: receipt.hash });
}
