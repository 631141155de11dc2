import { useTarget } from "../app/providers";

/** The standard "not on this network" notice for a contract the page needs. */
export function NotDeployed({ name, what }: { name: string; what: string }) {
  const t = useTarget();
  return (
    <div className="notice info" data-testid={`missing-${name}`}>
      <code>{name}</code> is not deployed on this network ({t.network}, chain {t.chainId}): {what}
    </div>
  );
}
