import type { Metadata, Viewport } from "next";
import { headers } from "next/headers";
import type { ReactNode } from "react";
import { cookieToInitialState } from "wagmi";
import { Header } from "../components/Header";
import { getConfig } from "../lib/wagmi";
import { loadTarget, requestOrigin } from "../server/target";
import "./globals.css";
import { Providers } from "./providers";

export const dynamic = "force-dynamic";

export const metadata: Metadata = {
  title: "Strategy Vault",
  description: "Deposit, withdraw and earn; see where the vault's capital works and at what risk.",
};

export const viewport: Viewport = { width: "device-width", initialScale: 1 };

export default async function RootLayout({ children }: { children: ReactNode }) {
  const target = await loadTarget(await requestOrigin());
  const initialState = cookieToInitialState(getConfig(target), (await headers()).get("cookie"));
  return (
    <html lang="en">
      <body>
        <Providers target={target} initialState={initialState}>
          <Header />
          <main>{children}</main>
        </Providers>
      </body>
    </html>
  );
}
