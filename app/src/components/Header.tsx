"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { NetworkGuard } from "./NetworkGuard";
import { TxToasts } from "./TxToasts";
import { WalletButton } from "./WalletButton";

const LINKS = [
  { href: "/", label: "Vault" },
  { href: "/dashboard", label: "Risk" },
  { href: "/operators", label: "Operators" },
  { href: "/governance", label: "Governance" },
] as const;

export function Header() {
  const path = usePathname();
  return (
    <>
      <header className="header">
        <Link href="/" className="brand">
          Strategy Vault
        </Link>
        <nav className="nav" aria-label="Main">
          {LINKS.map((l) => (
            <Link key={l.href} href={l.href} aria-current={path === l.href ? "page" : undefined}>
              {l.label}
            </Link>
          ))}
        </nav>
        <WalletButton />
      </header>
      <NetworkGuard />
      <TxToasts />
    </>
  );
}
