"use client";

import { useQueryClient } from "@tanstack/react-query";
import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from "react";
import type { TransactionReceipt } from "viem";
import { useConfig, useConnection } from "wagmi";
import { useTarget } from "../app/providers";
import { getPublicClient, waitForTransactionReceipt, writeContract, type WriteContractParameters } from "wagmi/actions";
import { gasLimitFor } from "../lib/gas";
import { explainError, type ErrorUnits } from "../lib/errors";

export type TxStatus = "simulating" | "pending" | "confirmed" | "failed";

/** One transaction as the page shows it. */
export interface TxEntry {
  id: number;
  label: string;
  status: TxStatus;
  hash?: `0x${string}`;
  blockNumber?: bigint;
  message?: string;
  errorName?: string;
}

interface TxStore {
  entries: TxEntry[];
  add(e: Omit<TxEntry, "id">): number;
  update(id: number, patch: Partial<TxEntry>): void;
  dismiss(id: number): void;
}

const TxContext = createContext<TxStore | null>(null);

export function TxProvider({ children }: { children: ReactNode }) {
  const [entries, setEntries] = useState<TxEntry[]>([]);
  const store = useMemo<TxStore>(() => {
    let nextId = 1;
    return {
      entries: [],
      add(e) {
        const id = nextId++;
        setEntries((list) => [...list.slice(-2), { ...e, id }]);
        return id;
      },
      update(id, patch) {
        setEntries((list) => list.map((x) => (x.id === id ? { ...x, ...patch } : x)));
      },
      dismiss(id) {
        setEntries((list) => list.filter((x) => x.id !== id));
      },
    };
  }, []);
  return <TxContext.Provider value={{ ...store, entries }}>{children}</TxContext.Provider>;
}

export function useTxEntries(): TxStore {
  const s = useContext(TxContext);
  if (!s) throw new Error("useTxEntries outside <TxProvider>");
  return s;
}

/** What a write needs: a simulation (typed by the caller with the generated ABI) whose request is sent. */
export type Simulation<R = unknown> = () => Promise<{ request: unknown; result?: R }>;

/**
 * scaffold-eth `useTransactor` style: simulate (so a revert is explained before anything is signed),
 * send, wait for the receipt, and keep the page informed: pending → confirmed, or failed with the
 * decoded reason. Returns the receipt and the simulated result, or null when it failed.
 */
export function useTransactor() {
  const config = useConfig();
  const store = useTxEntries();
  const queryClient = useQueryClient();
  const { chainId } = useConnection();
  const target = useTarget();
  return useCallback(
    async <R,>(
      label: string,
      simulate: Simulation<R>,
      units: ErrorUnits,
    ): Promise<{ receipt: TransactionReceipt; result: R | undefined } | null> => {
      if (chainId !== target.chainId) {
        store.add({ label, status: "failed", message: `Switch your wallet to chain ${target.chainId} first.` });
        return null;
      }
      const id = store.add({ label, status: "simulating", message: "Checking the transaction…" });
      try {
        const sim = await simulate();
        store.update(id, { status: "pending", message: "Waiting for your signature…" });
        const request = sim.request as WriteContractParameters;
        // The simulated call, estimated once more and sent with margin + headroom (lib/gas.ts).
        const gas = gasLimitFor(await getPublicClient(config)!.estimateContractGas(request as never));
        const hash = await writeContract(config, { ...request, gas } as WriteContractParameters);
        store.update(id, { hash, message: "Sent; waiting for confirmation…" });
        const receipt = await waitForTransactionReceipt(config, { hash });
        if (receipt.status !== "success")
          throw new Error(`the transaction reverted on chain (block ${receipt.blockNumber})`);
        store.update(id, {
          status: "confirmed",
          blockNumber: receipt.blockNumber,
          message: `Confirmed in block ${receipt.blockNumber}`,
        });
        await queryClient.invalidateQueries();
        return { receipt, result: sim.result as R | undefined };
      } catch (err) {
        const explained = explainError(err, units);
        store.update(id, { status: "failed", message: explained.title, errorName: explained.errorName });
        return null;
      }
    },
    [config, store, queryClient, chainId, target.chainId],
  );
}
