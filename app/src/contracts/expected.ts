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
  // Safety and allocation
  "function paused() view returns (bool)",
  "function breakerTripped() view returns (bool)",
  "function sleeveAssets(uint8 sleeve) view returns (uint256)",
] as const;

/**
 * Errors the app turns into human messages (see `src/lib/errors.ts`). They come from OpenZeppelin's
 * ERC4626 / Pausable, which the vault inherits; included in the interface ABI so that the messages
 * work before the vault is compiled.
 */
export const expectedVaultErrors = [
  "error EnforcedPause()",
  "error ERC4626ExceededMaxDeposit(address receiver, uint256 assets, uint256 max)",
  "error ERC4626ExceededMaxMint(address receiver, uint256 shares, uint256 max)",
  "error ERC4626ExceededMaxWithdraw(address owner, uint256 assets, uint256 max)",
  "error ERC4626ExceededMaxRedeem(address owner, uint256 shares, uint256 max)",
] as const;

/** Sleeve indexes of `sleeveAssets(uint8)`, in the vault's order. */
export const SLEEVES = ["Market making", "Arbitrage", "Buffer"] as const;

/**
 * Optional: one-transaction deposit with an EIP-2612 permit of the asset instead of a separate approve.
 * Used only when the compiled vault has exactly this function (`vaultFeatures.depositWithPermit`).
 */
export const optionalDepositWithPermit =
  "function depositWithPermit(uint256 assets, address receiver, uint256 deadline, uint8 v, bytes32 r, bytes32 s) returns (uint256)" as const;
