/**
 * A local PCCS-compatible server (Intel PCS API v4 shapes, see `pccs.ts`) serving the collateral of the DCAP
 * sample quotes, for tests and `npm start` on machines without access to Intel's PCS. It serves exactly the
 * Intel-signed bytes of the sample collateral files; it signs nothing. Loopback only by default.
 */
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { BUNDLED_DCAP_DIR, DCAP_SAMPLES, sharedDcapDir } from "./samples.js";
import { quotePlatform } from "./pccs.js";

interface SampleCollateral {
  pck_crl_issuer_chain: string;
  root_ca_crl: string;
  pck_crl: string;
  tcb_info_issuer_chain: string;
  tcb_info: string;
  tcb_info_signature: string;
  qe_identity_issuer_chain: string;
  qe_identity: string;
  qe_identity_signature: string;
}

export interface LocalPccsOptions {
  /** Sample names to serve (default "sgx" and "tdx"; a later sample's CRL replaces an earlier one of its CA). */
  samples?: string[];
  dir?: string;
  host?: string;
  port?: number;
}

export interface LocalPccs {
  url: string;
  server: Server;
  close(): Promise<void>;
}

const enc = encodeURIComponent;

/** Starts the server; `url` is its base URL. */
export async function startLocalPccs(opts: LocalPccsOptions = {}): Promise<LocalPccs> {
  const dir = opts.dir ?? sharedDcapDir() ?? BUNDLED_DCAP_DIR;
  const names = opts.samples ?? ["sgx", "tdx"];
  const tcb = new Map<string, SampleCollateral>();
  const qe = new Map<string, SampleCollateral>();
  const pckCrl = new Map<string, SampleCollateral>();
  let root: SampleCollateral | undefined;
  for (const name of names) {
    const s = DCAP_SAMPLES.find((x) => x.name === name);
    if (!s) throw new Error(`unknown DCAP sample "${name}" (known: ${DCAP_SAMPLES.map((x) => x.name).join(", ")})`);
    const c = JSON.parse(readFileSync(join(dir, s.collateralFile), "utf8")) as SampleCollateral;
    const p = quotePlatform(new Uint8Array(readFileSync(join(dir, s.quoteFile))));
    tcb.set(`${p.tee}:${p.fmspc}`, c);
    qe.set(p.tee, c);
    pckCrl.set(p.ca, c);
    root = c;
  }
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://pccs.local");
    const m = /^\/(sgx|tdx)\/certification\/v4\/(tcb|qe\/identity|pckcrl|rootcacrl)$/.exec(url.pathname);
    const send = (status: number, body: string | Buffer, headers: Record<string, string> = {}) => {
      res.writeHead(status, {
        "content-type": typeof body === "string" ? "application/json" : "application/x-pem-file",
        ...headers,
      });
      res.end(body);
    };
    if (req.method !== "GET" || !m) return send(404, JSON.stringify({ error: "not found" }));
    const [, tee, what] = m;
    if (what === "tcb") {
      const c = tcb.get(`${tee}:${(url.searchParams.get("fmspc") ?? "").toUpperCase()}`);
      if (!c) return send(404, JSON.stringify({ error: "no TCB info for this fmspc" }));
      return send(200, `{"tcbInfo":${c.tcb_info},"signature":"${c.tcb_info_signature}"}`, {
        "TCB-Info-Issuer-Chain": enc(c.tcb_info_issuer_chain),
      });
    }
    if (what === "qe/identity") {
      const c = qe.get(tee!);
      if (!c) return send(404, JSON.stringify({ error: "no QE identity" }));
      return send(200, `{"enclaveIdentity":${c.qe_identity},"signature":"${c.qe_identity_signature}"}`, {
        "SGX-Enclave-Identity-Issuer-Chain": enc(c.qe_identity_issuer_chain),
      });
    }
    if (what === "pckcrl") {
      const c = pckCrl.get(url.searchParams.get("ca") ?? "");
      if (!c) return send(404, JSON.stringify({ error: "no CRL for this CA" }));
      return send(200, Buffer.from(c.pck_crl, "hex"), { "SGX-PCK-CRL-Issuer-Chain": enc(c.pck_crl_issuer_chain) });
    }
    return send(200, root!.root_ca_crl, { "content-type": "text/plain" });
  });
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, opts.host ?? "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${opts.host ?? "127.0.0.1"}:${port}`,
    server,
    close: () => new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve()))),
  };
}
