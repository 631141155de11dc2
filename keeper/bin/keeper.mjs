#!/usr/bin/env node
// Launcher of the keeper CLI: runs the TypeScript sources through tsx (no build step).
// The journal uses node:sqlite, which needs Node 22 (npm scripts put the project's Node 22 first on PATH).
const [major] = process.versions.node.split(".").map(Number);
if (major < 22) {
  console.error(`keeper needs Node 22 or newer (this is ${process.version}); run it through npm/npx in the repo`);
  process.exit(1);
}
process.removeAllListeners("warning");
process.on("warning", (w) => {
  if (w.name === "ExperimentalWarning" && /SQLite/.test(w.message)) return;
  console.error(w);
});
const { register } = await import("tsx/esm/api");
register();
await import("../src/node/cli.ts");
