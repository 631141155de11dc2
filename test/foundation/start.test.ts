import { expect } from "chai";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { appBuildInputsHash, appBuildIsCurrent, recordAppBuild } from "../../scripts/lib/app-build.js";
import { DEFAULT_START_PORTS, readStartEnv } from "../../scripts/lib/env.js";

describe("npm start: environment overrides", function () {
  it("readStartEnv_unset_keepsTheFixedPortsAndPaths", function () {
    expect(readStartEnv("/repo", {})).to.deep.equal({
      ports: DEFAULT_START_PORTS,
      stateDir: "/repo/.keeper-data",
      network: "localhost",
      appDistDir: ".next",
      demoDeposit: 200_000n * 10n ** 6n,
    });
  });

  it("readStartEnv_portBase_takesEightConsecutivePorts", function () {
    const env = {
      START_PORT_BASE: "40000",
      START_NETWORK: "e2e",
      START_STATE_DIR: "/tmp/s",
      APP_DIST_DIR: ".next-e2e",
      START_DEMO_DEPOSIT: "0",
    };
    expect(readStartEnv("/repo", env)).to.deep.equal({
      ports: { chain: 40000, app: 40001, binance: 40002, okx: 40003, verifier: 40004, metrics: [40005, 40006, 40007] },
      stateDir: "/tmp/s",
      network: "e2e",
      appDistDir: ".next-e2e",
      demoDeposit: 0n,
    });
  });

  it("readStartEnv_relativeStateDir_isUnderTheRepository", function () {
    expect(readStartEnv("/repo", { START_STATE_DIR: "tmp/state" }).stateDir).to.equal("/repo/tmp/state");
  });

  it("readStartEnv_portBaseOnLocalhost_refusedInOneLine", function () {
    // hardhat's localhost network is 8545, and deployments/localhost.json belongs to the default instance.
    expect(() => readStartEnv("/repo", { START_PORT_BASE: "40000" })).to.throw(
      /^START_PORT_BASE needs START_NETWORK=e2e/,
    );
  });

  for (const [name, value, message] of [
    ["START_PORT_BASE", "80", /^START_PORT_BASE must be between 1024 and 65528/],
    ["START_PORT_BASE", "65530", /^START_PORT_BASE must be between 1024 and 65528/],
    ["START_PORT_BASE", "4e4", /^START_PORT_BASE must be a port number/],
    ["START_NETWORK", "mainnet", /^START_NETWORK must be localhost or e2e/],
    ["APP_DIST_DIR", "../build", /^APP_DIST_DIR must be \.next or \.next-<name>/],
    ["START_STATE_DIR", "", /^START_STATE_DIR must not be empty/],
    ["START_DEMO_DEPOSIT", "-5", /^START_DEMO_DEPOSIT must be a whole number of tUSD/],
    ["START_DEMO_DEPOSIT", "1.5", /^START_DEMO_DEPOSIT must be a whole number of tUSD/],
  ] as const) {
    it(`readStartEnv_${name}_${value || "empty"}_namesVariableInOneLine`, function () {
      expect(() => readStartEnv("/repo", { START_NETWORK: "e2e", [name]: value })).to.throw(message);
    });
  }
});

describe("npm start: app build reuse", function () {
  let root: string;
  beforeEach(function () {
    root = mkdtempSync(join(tmpdir(), "app-build-"));
    mkdirSync(join(root, "app", "src"), { recursive: true });
    mkdirSync(join(root, "app", ".next-e2e"), { recursive: true });
    writeFileSync(join(root, "package-lock.json"), "{}");
    writeFileSync(join(root, "app", "src", "page.tsx"), "export default 1;");
    writeFileSync(join(root, "app", ".next-e2e", "BUILD_ID"), "x");
  });
  afterEach(function () {
    rmSync(root, { recursive: true, force: true });
  });

  it("appBuildIsCurrent_sameSources_reusesTheBuild", function () {
    const inputs = appBuildInputsHash(root);
    expect(appBuildIsCurrent(root, ".next-e2e", inputs)).to.equal(false); // never recorded
    recordAppBuild(root, ".next-e2e", inputs);
    // Build output and other build directories are not inputs.
    writeFileSync(join(root, "app", ".next-e2e", "chunk.js"), "1");
    mkdirSync(join(root, "app", ".next"));
    writeFileSync(join(root, "app", ".next", "BUILD_ID"), "y");
    expect(appBuildIsCurrent(root, ".next-e2e", appBuildInputsHash(root))).to.equal(true);
  });

  for (const [what, change] of [
    ["aChangedSource", (r: string) => writeFileSync(join(r, "app", "src", "page.tsx"), "export default 2;")],
    ["aNewSource", (r: string) => writeFileSync(join(r, "app", "src", "other.ts"), "")],
    [
      "aRenamedSource",
      (r: string) => {
        rmSync(join(r, "app", "src", "page.tsx"));
        writeFileSync(join(r, "app", "src", "Page.tsx"), "export default 1;");
      },
    ],
    ["otherDependencies", (r: string) => writeFileSync(join(r, "package-lock.json"), '{"v":2}')],
    ["aMissingBuildId", (r: string) => rmSync(join(r, "app", ".next-e2e", "BUILD_ID"))],
  ] as const) {
    it(`appBuildIsCurrent_${what}_rebuilds`, function () {
      recordAppBuild(root, ".next-e2e", appBuildInputsHash(root));
      change(root);
      expect(appBuildIsCurrent(root, ".next-e2e", appBuildInputsHash(root))).to.equal(false);
    });
  }
});
