import type { HardhatEthers } from "@nomicfoundation/hardhat-ethers/types";
import { deploySystem, type System } from "../../scripts/lib/system.js";

/** The whole system deployed by the real deploy path, on the in-process chain. */
export async function deployLocalSystem(ethers: HardhatEthers): Promise<System> {
  return deploySystem(ethers, { local: true });
}
