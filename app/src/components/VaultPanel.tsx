"use client";

import { useQuery } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { maxUint256, stringToHex, type Address } from "viem";
import { useConfig, useConnection, usePublicClient, useReadContract, useReadContracts } from "wagmi";
import { getBlock, readContract, signTypedData, simulateContract } from "wagmi/actions";
import { parseSignature } from "viem";
import { PERMIT_VALIDITY_SECONDS, permitTypedData } from "../lib/permit";
import { useTarget } from "../app/providers";
import { LOCK_TIERS, SLEEVES } from "../contracts/expected";
import { abis } from "../generated/contracts";
import { VaultPausedError } from "../lib/errors";
import { useAsset } from "../hooks/useAsset";
import { useContracts } from "../hooks/useContracts";
import { useTransactor } from "../hooks/useTransactor";
import { formatAmount, formatPercent, parseAmount, shortAddress } from "../lib/format";
import { realisedApy } from "../lib/stats";

const ZERO = "0x0000000000000000000000000000000000000000" as const;
type Tab = "deposit" | "withdraw" | "earn";

/** Deposit / Withdraw / Earn against the vault, or a clear notice when the vault is not deployed. */
export function VaultPanel() {
  const target = useTarget();
  const { vault } = useContracts();
  if (!vault)
    return (
      <section className="panel">
        <h2>Vault</h2>
        <div className="notice info" data-testid="vault-missing">
          The vault is not deployed on this network ({target.network}, chain {target.chainId}). Deposits open once{" "}
          <code>StrategyVault</code> is in <code>deployments/{target.network}.json</code>.
        </div>
      </section>
    );
  return <Vault address={vault.address} />;
}

function useVaultState(vaultAddress: Address) {
  const { vault, asset } = useContracts();
  const { address } = useConnection();
  const user = address ?? ZERO;
  const v = { address: vaultAddress, abi: vault!.abi };
  const base = useReadContracts({
    allowFailure: false,
    contracts: [
      { ...v, functionName: "decimals" },
      { ...v, functionName: "symbol" },
      { ...v, functionName: "totalAssets" },
      { ...v, functionName: "totalSupply" },
      { ...v, functionName: "paused" },
      { ...v, functionName: "breakerTripped" },
      { ...v, functionName: "balanceOf", args: [user] },
      { ...v, functionName: "maxWithdraw", args: [user] },
      { ...v, functionName: "maxRedeem", args: [user] },
      { ...v, functionName: "lockedShares", args: [user] },
      { ...v, functionName: "earned", args: [user] },
      { ...v, functionName: "sleeveAssets", args: [2] },
    ],
  });
  const decimals = base.data?.[0];
  const onePrice = useReadContract({
    ...v,
    functionName: "convertToAssets",
    args: [decimals === undefined ? 0n : 10n ** BigInt(decimals)],
    query: { enabled: decimals !== undefined },
  });
  const allowance = useReadContract({
    address: asset?.address,
    abi: abis.TestStablecoin,
    functionName: "allowance",
    args: [user, vaultAddress],
    query: { enabled: asset !== undefined && address !== undefined },
  });
  const d = base.data;
  return {
    v,
    loaded: d !== undefined,
    error: base.error,
    decimals: d?.[0] ?? 18,
    symbol: d?.[1] ?? "shares",
    totalAssets: d?.[2],
    totalSupply: d?.[3],
    paused: d?.[4],
    breakerTripped: d?.[5],
    shares: d?.[6],
    maxWithdraw: d?.[7],
    maxRedeem: d?.[8],
    lockedShares: d?.[9],
    earned: d?.[10],
    buffer: d?.[11],
    sharePrice: onePrice.data,
    allowance: allowance.data,
  };
}

/** Share price at the deployment block and now, compounded to a year: the realised APY. */
function useRealisedApy(vaultAddress: Address, decimals: number, priceNow: bigint | undefined) {
  const { deployment } = useTarget();
  const client = usePublicClient();
  const { vault } = useContracts();
  return useQuery({
    queryKey: ["realisedApy", vaultAddress, decimals, priceNow?.toString()],
    enabled: client !== undefined && deployment !== null && priceNow !== undefined,
    queryFn: async () => {
      const from = BigInt(deployment!.blockNumber);
      const [then, b0, b1] = await Promise.all([
        client!.readContract({
          address: vaultAddress,
          abi: vault!.abi,
          functionName: "convertToAssets",
          args: [10n ** BigInt(decimals)],
          blockNumber: from,
        }),
        client!.getBlock({ blockNumber: from }),
        client!.getBlock(),
      ]);
      return realisedApy(Number(then), Number(priceNow!), Number(b1.timestamp - b0.timestamp));
    },
  });
}

function Vault({ address: vaultAddress }: { address: Address }) {
  const s = useVaultState(vaultAddress);
  const asset = useAsset();
  const [tab, setTab] = useState<Tab>("deposit");
  const apy = useRealisedApy(vaultAddress, s.decimals, s.sharePrice);
  const shareUnits = { decimals: s.decimals, symbol: s.symbol };
  return (
    <section className="panel stack" data-testid="vault">
      <div className="row" style={{ justifyContent: "space-between" }}>
        <h2>Vault</h2>
        <span className="muted mono">{shortAddress(vaultAddress)}</span>
      </div>
      {s.error ? <div className="notice bad">Could not read the vault: {s.error.message.split("\n")[0]}</div> : null}
      {s.paused ? (
        <div className="notice bad" data-testid="vault-paused">
          The vault is paused: deposits and keeper draws are stopped; withdrawals stay open.
        </div>
      ) : null}
      {s.breakerTripped ? (
        <div className="notice warn">
          The circuit breaker tripped after a loss: keepers cannot draw capital until it is reset.
        </div>
      ) : null}
      <div className="stats">
        <Stat
          label="Share price"
          testid="share-price"
          value={s.sharePrice === undefined ? "…" : `${formatAmount(s.sharePrice, asset.decimals, 6)} ${asset.symbol}`}
        />
        <Stat
          label="Realised APY"
          value={apy.data === undefined ? "…" : apy.data === null ? "–" : formatPercent(apy.data)}
        />
        <Stat
          label="Total assets"
          value={s.totalAssets === undefined ? "…" : `${formatAmount(s.totalAssets, asset.decimals)} ${asset.symbol}`}
        />
        <Stat
          label="Your shares"
          testid="vault-shares"
          value={s.shares === undefined ? "…" : `${formatAmount(s.shares, s.decimals, 4)} ${s.symbol}`}
        />
        <Stat
          label="Withdrawable now"
          value={s.maxWithdraw === undefined ? "…" : `${formatAmount(s.maxWithdraw, asset.decimals)} ${asset.symbol}`}
        />
        <Stat
          label={`${SLEEVES[2]} (serves withdrawals first)`}
          value={s.buffer === undefined ? "…" : `${formatAmount(s.buffer, asset.decimals)} ${asset.symbol}`}
        />
      </div>
      <div className="tabs" role="tablist">
        {(["deposit", "withdraw", "earn"] as const).map((t) => (
          <button key={t} role="tab" aria-selected={tab === t} onClick={() => setTab(t)} data-testid={`tab-${t}`}>
            {t[0]!.toUpperCase() + t.slice(1)}
          </button>
        ))}
      </div>
      {tab === "deposit" ? (
        <Deposit s={s} />
      ) : tab === "withdraw" ? (
        <Withdraw s={s} />
      ) : (
        <Earn s={s} shareUnits={shareUnits} />
      )}
    </section>
  );
}

function Stat({ label, value, testid }: { label: string; value: string; testid?: string }) {
  return (
    <div className="stat">
      <div className="label">{label}</div>
      <div className="value" data-testid={testid}>
        {value}
      </div>
    </div>
  );
}

type VaultState = ReturnType<typeof useVaultState>;

function Deposit({ s }: { s: VaultState }) {
  const asset = useAsset();
  const config = useConfig();
  const transact = useTransactor();
  const { address } = useConnection();
  const [text, setText] = useState("");
  const amount = parseAmount(text, asset.decimals);
  const preview = useReadContract({
    ...s.v,
    functionName: "previewDeposit",
    args: [amount ?? 0n],
    query: { enabled: amount !== null },
  });
  const needsApproval = amount !== null && (s.allowance ?? 0n) < amount;
  /** Reads `paused()` now (not the cached state): a paused vault is said so before the wallet is asked. */
  const refuseIfPaused = async () => {
    if (await readContract(config, { ...s.v, functionName: "paused" })) throw new VaultPausedError();
  };

  const approve = () =>
    transact(
      `Approve ${text} ${asset.symbol}`,
      () =>
        simulateContract(config, {
          ...asset.contract!,
          functionName: "approve",
          args: [s.v.address, amount!],
          account: address,
        }),
      asset,
    );
  const permitDeposit = async () => {
    const done = await transact(
      `Permit and deposit ${text} ${asset.symbol}`,
      async () => {
        await refuseIfPaused();
        const token = asset.contract!;
        const [domain, nonce, block] = await Promise.all([
          readContract(config, { ...token, functionName: "eip712Domain" }),
          readContract(config, { ...token, functionName: "nonces", args: [address!] }),
          getBlock(config),
        ]);
        const deadline = block.timestamp + PERMIT_VALIDITY_SECONDS;
        const typed = permitTypedData(domain, {
          owner: address!,
          spender: s.v.address,
          value: amount!,
          nonce,
          deadline,
        });
        const sig = parseSignature(await signTypedData(config, { account: address!, ...typed }));
        const v = Number(sig.v ?? BigInt(sig.yParity + 27));
        return simulateContract(config, {
          ...s.v,
          functionName: "depositWithPermit",
          args: [amount!, address!, deadline, v, sig.r, sig.s],
          account: address,
        });
      },
      asset,
    );
    if (done) setText("");
  };
  const deposit = async () => {
    const done = await transact(
      `Deposit ${text} ${asset.symbol}`,
      async () => {
        await refuseIfPaused();
        return simulateContract(config, {
          ...s.v,
          functionName: "deposit",
          args: [amount!, address!],
          account: address,
        });
      },
      asset,
    );
    if (done) setText("");
  };
  return (
    <div className="stack">
      <AmountInput
        label={`Amount (${asset.symbol})`}
        value={text}
        onChange={setText}
        max={asset.balance}
        decimals={asset.decimals}
        testid="deposit-amount"
      />
      <Preview
        testid="deposit-preview"
        amount={amount}
        value={preview.data}
        hint="Enter an amount to see the shares you receive."
        show={(v) => `You receive ≈ ${formatAmount(v, s.decimals, 6)} ${s.symbol}`}
      />
      <div className="row">
        {needsApproval ? (
          <button className="primary" disabled={!address} onClick={permitDeposit} data-testid="permit-deposit">
            Sign permit and deposit
          </button>
        ) : null}
        {needsApproval ? (
          <button className="" disabled={!address} onClick={approve} data-testid="approve">
            1. Approve {asset.symbol}
          </button>
        ) : null}
        <button
          className={needsApproval ? "" : "primary"}
          disabled={!address || amount === null || needsApproval}
          onClick={deposit}
          data-testid="deposit"
        >
          {needsApproval ? "2. Deposit" : "Deposit"}
        </button>
      </div>
    </div>
  );
}

/** The line under an amount field: a hint while it is empty, "…" while the vault answers, then the preview. */
function Preview(props: {
  testid: string;
  amount: bigint | null;
  value: bigint | undefined;
  hint: string;
  show: (value: bigint) => string;
}) {
  const { amount, value } = props;
  return (
    <div className="muted" data-testid={props.testid}>
      {amount === null ? props.hint : value === undefined ? "…" : props.show(value)}
    </div>
  );
}

function Withdraw({ s }: { s: VaultState }) {
  const asset = useAsset();
  const config = useConfig();
  const transact = useTransactor();
  const { address } = useConnection();
  const [text, setText] = useState("");
  const amount = parseAmount(text, asset.decimals);
  const preview = useReadContract({
    ...s.v,
    functionName: "previewWithdraw",
    args: [amount ?? 0n],
    query: { enabled: amount !== null },
  });
  const aboveBuffer = amount !== null && s.maxWithdraw !== undefined && amount > s.maxWithdraw;

  const withdraw = async () => {
    const done = await transact(
      `Withdraw ${text} ${asset.symbol}`,
      () =>
        simulateContract(config, {
          ...s.v,
          functionName: "withdraw",
          args: [amount!, address!, address!],
          account: address,
        }),
      asset,
    );
    if (done) setText("");
  };
  const redeemAll = () =>
    transact(
      `Redeem all ${s.symbol}`,
      () =>
        simulateContract(config, {
          ...s.v,
          functionName: "redeem",
          args: [s.maxRedeem ?? 0n, address!, address!],
          account: address,
        }),
      { decimals: s.decimals, symbol: s.symbol },
    );
  return (
    <div className="stack">
      <AmountInput
        label={`Amount (${asset.symbol})`}
        value={text}
        onChange={setText}
        max={s.maxWithdraw}
        decimals={asset.decimals}
        testid="withdraw-amount"
      />
      <Preview
        testid="withdraw-preview"
        amount={amount}
        value={preview.data}
        hint="Enter an amount to see the shares it burns."
        show={(v) => `Burns ≈ ${formatAmount(v, s.decimals, 6)} ${s.symbol}`}
      />
      {aboveBuffer ? (
        <div className="notice warn">
          Above what the buffer holds for you now ({formatAmount(s.maxWithdraw!, asset.decimals)} {asset.symbol}): the
          vault will refuse.
        </div>
      ) : null}
      <div className="row">
        <button className="primary" disabled={!address || amount === null} onClick={withdraw} data-testid="withdraw">
          Withdraw
        </button>
        <button disabled={!address || !s.maxRedeem} onClick={redeemAll} data-testid="redeem-all">
          Redeem all withdrawable
        </button>
      </div>
    </div>
  );
}

/** Lock tiers 1 and 2 with their duration and yield multiplier from `Parameters` when it is deployed. */
function useTierLabels(): string[] {
  const { parameters } = useContracts();
  const keys = ["lockTier1Seconds", "lockTier1MultiplierBps", "lockTier2Seconds", "lockTier2MultiplierBps"] as const;
  const q = useReadContracts({
    allowFailure: false,
    contracts: parameters
      ? keys.map((k) => ({ ...parameters, functionName: "get", args: [stringToHex(k, { size: 32 })] }) as const)
      : [],
    query: { enabled: parameters !== undefined },
  });
  const d = q.data as readonly bigint[] | undefined;
  const tier = (n: 1 | 2, seconds?: bigint, bps?: bigint) =>
    seconds === undefined || bps === undefined
      ? `Tier ${n}`
      : `Tier ${n}: ${formatDuration(seconds)}, ${(Number(bps) / 10_000).toFixed(2)}×`;
  return [tier(1, d?.[0], d?.[1]), tier(2, d?.[2], d?.[3])];
}

function formatDuration(seconds: bigint): string {
  const s = Number(seconds);
  if (s >= 86_400) return `${+(s / 86_400).toFixed(1)} days`;
  if (s >= 3_600) return `${+(s / 3_600).toFixed(1)} h`;
  return `${s} s`;
}

function useLockIds(vault: Address, account: Address | undefined) {
  const key = `vsv.locks.${vault}.${account ?? ""}`;
  const [ids, setIds] = useState<string[]>([]);
  useEffect(() => {
    setIds(account ? (JSON.parse(localStorage.getItem(key) ?? "[]") as string[]) : []);
  }, [key, account]);
  const save = (next: string[]) => {
    localStorage.setItem(key, JSON.stringify(next));
    setIds(next);
  };
  return {
    ids,
    add: (id: bigint) => save([...ids, id.toString()]),
    remove: (id: string) => save(ids.filter((x) => x !== id)),
  };
}

function Earn({ s, shareUnits }: { s: VaultState; shareUnits: { decimals: number; symbol: string } }) {
  const asset = useAsset();
  const config = useConfig();
  const transact = useTransactor();
  const { address } = useConnection();
  const [text, setText] = useState("");
  const [tier, setTier] = useState(1);
  const [manualId, setManualId] = useState("");
  const locks = useLockIds(s.v.address, address);
  const tierLabels = useTierLabels();
  const shares = parseAmount(text, s.decimals);
  const free = s.shares !== undefined && s.lockedShares !== undefined ? s.shares - s.lockedShares : undefined;

  const lock = async () => {
    const done = await transact(
      `Lock ${text} ${s.symbol}`,
      () => simulateContract(config, { ...s.v, functionName: "lock", args: [shares!, tier], account: address }),
      shareUnits,
    );
    if (done?.result !== undefined) locks.add(done.result);
    if (done) setText("");
  };
  const unlock = async (id: string) => {
    const done = await transact(
      `Unlock #${id}`,
      () => simulateContract(config, { ...s.v, functionName: "unlock", args: [BigInt(id)], account: address }),
      shareUnits,
    );
    if (done) locks.remove(id);
  };
  const claim = () =>
    transact(
      "Claim Earn yield",
      () => simulateContract(config, { ...s.v, functionName: "claim", account: address }),
      asset,
    );

  return (
    <div className="stack">
      <div className="stats">
        <Stat
          label="Locked shares"
          testid="locked-shares"
          value={s.lockedShares === undefined ? "…" : `${formatAmount(s.lockedShares, s.decimals, 4)} ${s.symbol}`}
        />
        <Stat
          label="Earned (claimable)"
          testid="earned"
          value={s.earned === undefined ? "…" : `${formatAmount(s.earned, asset.decimals, 6)} ${asset.symbol}`}
        />
      </div>
      <div className="row" style={{ alignItems: "end" }}>
        <div style={{ flex: "2 1 180px" }}>
          <AmountInput
            label={`Shares to lock (${s.symbol})`}
            value={text}
            onChange={setText}
            max={free}
            decimals={s.decimals}
            testid="lock-amount"
          />
        </div>
        <label style={{ flex: "1 1 120px" }}>
          Tier
          <select value={tier} onChange={(e) => setTier(Number(e.target.value))} data-testid="lock-tier">
            {tierLabels.map((l, i) => (
              <option key={LOCK_TIERS[i]} value={LOCK_TIERS[i]}>
                {l}
              </option>
            ))}
          </select>
        </label>
      </div>
      <div className="row">
        <button className="primary" disabled={!address || shares === null} onClick={lock} data-testid="lock">
          Lock
        </button>
        <button disabled={!address || !s.earned} onClick={claim} data-testid="claim">
          Claim {s.earned ? `${formatAmount(s.earned, asset.decimals)} ${asset.symbol}` : ""}
        </button>
      </div>
      <h3>Your locks</h3>
      {locks.ids.length === 0 ? <div className="muted">No lock made from this browser yet.</div> : null}
      {locks.ids.map((id) => (
        <div key={id} className="row">
          <span>Lock #{id}</span>
          <button className="small" onClick={() => unlock(id)} data-testid={`unlock-${id}`}>
            Unlock
          </button>
        </div>
      ))}
      <div className="row" style={{ alignItems: "end" }}>
        <label style={{ flex: "1 1 120px" }}>
          Unlock by id
          <input inputMode="numeric" value={manualId} onChange={(e) => setManualId(e.target.value)} />
        </label>
        <button disabled={!address || !/^\d+$/.test(manualId)} onClick={() => unlock(manualId)}>
          Unlock
        </button>
      </div>
    </div>
  );
}

function AmountInput(props: {
  label: string;
  value: string;
  onChange(v: string): void;
  max: bigint | undefined;
  decimals: number;
  testid: string;
}) {
  const max = props.max;
  return (
    <label>
      <span className="row" style={{ justifyContent: "space-between" }}>
        <span>{props.label}</span>
        {max !== undefined && max !== maxUint256 ? (
          <button
            type="button"
            className="small"
            onClick={() => props.onChange(formatAmount(max, props.decimals, props.decimals).replace(/,/g, ""))}
          >
            Max {formatAmount(max, props.decimals)}
          </button>
        ) : null}
      </span>
      <input
        inputMode="decimal"
        placeholder="0.0"
        value={props.value}
        onChange={(e) => props.onChange(e.target.value)}
        data-testid={props.testid}
      />
    </label>
  );
}
