import { parseAbi, type Abi, type AbiParameter } from "viem";
import { expectedVaultErrors, expectedVaultSignatures } from "./expected.js";

function paramType(p: AbiParameter): string {
  const components = (p as { components?: readonly AbiParameter[] }).components;
  if (!components) return p.type;
  return `(${components.map(paramType).join(",")})${p.type.slice("tuple".length)}`;
}

/**
 * Canonical text of an ABI item with parameter names dropped, so that two ABIs compare by what a
 * call encodes and returns: `function lock(uint256,uint8) nonpayable returns (uint256)`.
 */
export function signature(item: Abi[number]): string {
  if (item.type === "function")
    return `function ${item.name}(${item.inputs.map(paramType).join(",")}) ${item.stateMutability} returns (${item.outputs.map(paramType).join(",")})`;
  if (item.type === "event")
    return `event ${item.name}(${item.inputs.map((p) => paramType(p) + (p.indexed ? " indexed" : "")).join(",")})`;
  if (item.type === "error") return `error ${item.name}(${item.inputs.map(paramType).join(",")})`;
  return item.type;
}

/** The agreed vault interface as an ABI (functions, events and the errors the app explains). */
export function expectedVaultAbi(): Abi {
  return parseAbi([...expectedVaultSignatures, ...expectedVaultErrors]);
}

/** Signatures of the agreed interface that `abi` lacks (or declares differently); empty when it complies. */
export function missingFromVault(abi: Abi): string[] {
  const present = new Set(abi.map(signature));
  return parseAbi(expectedVaultSignatures)
    .map(signature)
    .filter((s) => !present.has(s));
}
