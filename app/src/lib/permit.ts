import type { Address } from "viem";

/** `eip712Domain()` of an ERC-5267 token (OpenZeppelin ERC20Permit): fields, name, version, chain, contract. */
export type Eip712DomainResult = readonly [
  `0x${string}`,
  string,
  string,
  bigint,
  Address,
  `0x${string}`,
  readonly bigint[],
];

export interface PermitRequest {
  owner: Address;
  spender: Address;
  value: bigint;
  nonce: bigint;
  /** Unix seconds after which the permit is void. */
  deadline: bigint;
}

/** Seconds a permit signed on the page stays valid. */
export const PERMIT_VALIDITY_SECONDS = 20n * 60n;

/** EIP-2612 typed data for `signTypedData`, with the domain the token itself reports. */
export function permitTypedData(domain: Eip712DomainResult, p: PermitRequest) {
  const [, name, version, chainId, verifyingContract] = domain;
  return {
    domain: { name, version, chainId, verifyingContract },
    types: {
      Permit: [
        { name: "owner", type: "address" },
        { name: "spender", type: "address" },
        { name: "value", type: "uint256" },
        { name: "nonce", type: "uint256" },
        { name: "deadline", type: "uint256" },
      ],
    },
    primaryType: "Permit",
    message: { owner: p.owner, spender: p.spender, value: p.value, nonce: p.nonce, deadline: p.deadline },
  } as const;
}
