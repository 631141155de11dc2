/**
 * The interface the web app is written against, as agreed with the contract authors: the standard
 * ERC-4626 surface of `StrategyVault` plus its Earn, safety and sleeve views.
 *
 * This list is not the app's ABI. `scripts/gen-app-contracts.ts` takes every ABI from the compiled
 * artifacts; when the `StrategyVault` artifact exists it checks that each signature below is present
 * and stops with the list of those missing (the app would otherwise call functions that do not
 * exist). Only while the vault is not compiled yet does it emit these signatures as the vault ABI,
 * marked `vaultAbiSource = "interface"`, so the pages build and show "vault not deployed".
 */
export const expectedVaultSignatures = [
  // ERC-20 share token
  "function name() view returns (string)",
  "function symbol() view returns (string)",
  "function decimals() view returns (uint8)",
  "function totalSupply() view returns (uint256)",
  "function balanceOf(address account) view returns (uint256)",
  "function allowance(address owner, address spender) view returns (uint256)",
  "function approve(address spender, uint256 value) returns (bool)",
  // ERC-4626
  "function asset() view returns (address)",
  "function totalAssets() view returns (uint256)",
  "function convertToShares(uint256 assets) view returns (uint256)",
  "function convertToAssets(uint256 shares) view returns (uint256)",
  "function maxDeposit(address receiver) view returns (uint256)",
  "function maxMint(address receiver) view returns (uint256)",
  "function maxWithdraw(address owner) view returns (uint256)",
  "function maxRedeem(address owner) view returns (uint256)",
  "function previewDeposit(uint256 assets) view returns (uint256)",
  "function previewMint(uint256 shares) view returns (uint256)",
  "function previewWithdraw(uint256 assets) view returns (uint256)",
  "function previewRedeem(uint256 shares) view returns (uint256)",
  "function deposit(uint256 assets, address receiver) returns (uint256)",
  "function mint(uint256 shares, address receiver) returns (uint256)",
  "function withdraw(uint256 assets, address receiver, address owner) returns (uint256)",
  "function redeem(uint256 shares, address receiver, address owner) returns (uint256)",
  "event Deposit(address indexed sender, address indexed owner, uint256 assets, uint256 shares)",
  "event Withdraw(address indexed sender, address indexed receiver, address indexed owner, uint256 assets, uint256 shares)",
  // Earn
  "function lock(uint256 shares, uint8 tier) returns (uint256)",
  "function unlock(uint256 lockId)",
  "function lockedShares(address account) view returns (uint256)",
  "function earned(address account) view returns (uint256)",
  "function claim() returns (uint256)",
  // One-transaction deposit with an EIP-2612 permit of the asset
  "function depositWithPermit(uint256 assets, address receiver, uint256 deadline, uint8 v, bytes32 r, bytes32 s) returns (uint256)",
  // Governance votes (ERC-5805 on the shares)
  "function delegate(address delegatee)",
  "function delegates(address account) view returns (address)",
  "function getVotes(address account) view returns (uint256)",
  // Safety and allocation
  "function paused() view returns (bool)",
  "function breakerTripped() view returns (bool)",
  "function sleeveAssets(uint8 sleeve) view returns (uint256)",
  "function sleeveDrawn(uint8 sleeve) view returns (uint256)",
] as const;

/**
 * Errors the app turns into human messages (see `src/lib/errors.ts`): OpenZeppelin's ERC4626 limits
 * (a paused vault refuses deposits with `ERC4626ExceededMaxDeposit(receiver, assets, 0)`, since its
 * `maxDeposit` is zero) and the vault's own Earn errors. Included in the interface ABI so that the
 * messages work before the vault is compiled.
 */
export const expectedVaultErrors = [
  "error ERC4626ExceededMaxDeposit(address receiver, uint256 assets, uint256 max)",
  "error ERC4626ExceededMaxMint(address receiver, uint256 shares, uint256 max)",
  "error ERC4626ExceededMaxWithdraw(address owner, uint256 assets, uint256 max)",
  "error ERC4626ExceededMaxRedeem(address owner, uint256 shares, uint256 max)",
  "error StrategyVaultIsPaused()",
  "error StrategyVaultZeroAmount()",
  "error StrategyVaultLockTierInvalid(uint8 tier)",
  "error StrategyVaultSharesLocked(address account, uint256 amount, uint256 unlocked)",
  "error StrategyVaultLockUnknown(uint256 lockId)",
  "error StrategyVaultLockNotExpired(uint256 lockId, uint256 unlockAt)",
] as const;

/** Sleeve indexes of `sleeveAssets(uint8)`, in the vault's order (`IStrategyVault.Sleeve`). */
export const SLEEVES = ["Market making", "Arbitrage", "Buffer"] as const;

/** `Parameters` keys of the sleeves' target weights (bps of total assets), in the order of `SLEEVES`. */
export const SLEEVE_TARGET_KEYS = [
  "sleeveTargetMarketMakingBps",
  "sleeveTargetArbitrageBps",
  "sleeveTargetBufferBps",
] as const;

/** Earn lock tiers `lock(shares, tier)` accepts (tier 0 is "not locked" and is refused). */
export const LOCK_TIERS = [1, 2] as const;
