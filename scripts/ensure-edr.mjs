// npm ci under Node 20 skips EDR's native binding (its engines say Node >= 22), and Hardhat 3 then
// fails with HHE27. This postinstall hook (run by npm under node_modules/.bin/node, i.e. Node 22)
// installs the binding that matches the installed EDR version when it is missing.
import { existsSync, readFileSync } from "node:fs";
import { execSync } from "node:child_process";
import { join } from "node:path";

const root = process.cwd();
const edrPkg = join(root, "node_modules/@nomicfoundation/edr/package.json");
if (process.platform !== "linux" || process.arch !== "x64" || !existsSync(edrPkg)) process.exit(0);
const binding = join(root, "node_modules/@nomicfoundation/edr-linux-x64-gnu/package.json");
if (existsSync(binding)) process.exit(0);
const { version } = JSON.parse(readFileSync(edrPkg, "utf8"));
console.log(`ensure-edr: installing @nomicfoundation/edr-linux-x64-gnu@${version}`);
execSync(`npm install --no-save --ignore-scripts --workspaces=false @nomicfoundation/edr-linux-x64-gnu@${version}`, {
  stdio: "inherit",
  cwd: root,
});
