// SPDX-License-Identifier: Apache-2.0
//
// Installs node_modules with `npm ci` from package-lock.json, unless the
// installed tree already matches that lock file (then it says so and returns).
// Run by the Maven build before the JavaScript tests.

import { createHash } from "node:crypto";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const dir = process.cwd();
const lock = readFileSync(join(dir, "package-lock.json"));
const digest = createHash("sha256").update(lock).digest("hex");
const marker = join(dir, "node_modules", ".elixir-workers-lock.sha256");

if (existsSync(marker) && readFileSync(marker, "utf8").trim() === digest) {
  console.log("[npm] node_modules already present for this package-lock.json — not reinstalled");
  process.exit(0);
}
const npm = process.platform === "win32" ? "npm.cmd" : "npm";
const args = ["ci", "--no-audit", "--no-fund", "--prefer-offline"];
console.log(`[npm] ${npm} ${args.join(" ")}`);
const result = spawnSync(npm, args, { cwd: dir, stdio: "inherit" });
if (result.error || result.status !== 0) {
  console.error(
    `[npm] \`${npm} ${args.join(" ")}\` failed (${result.error ? result.error.message : `exit code ${result.status}`})` +
      " — check that npm can reach its registry, or install node_modules by hand with `npm ci` in worker/",
  );
  process.exit(1);
}
writeFileSync(marker, digest + "\n");
