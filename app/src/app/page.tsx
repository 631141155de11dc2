import { AssetPanel } from "../components/AssetPanel";
import { VaultPanel } from "../components/VaultPanel";

export default function VaultPage() {
  return (
    <>
      <h1>Deposit, withdraw, earn</h1>
      <div className="grid">
        <VaultPanel />
        <AssetPanel />
      </div>
    </>
  );
}
