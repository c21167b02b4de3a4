#!/usr/bin/env node
// The CLI is TypeScript run by Node 24's type stripping; this shim only checks the runtime first.
const major = Number(process.versions.node.split(".")[0]);
if (major < 24) {
  process.stderr.write(`aisre needs Node 24 or newer (this is ${process.version}). Run it through npm (npx aisre …), which uses the project's bundled Node 24, or install Node 24.\n`);
  process.exit(1);
}
await import("../src/cli/main.ts");
