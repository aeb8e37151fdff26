// SPDX-License-Identifier: Apache-2.0
//
// Prettier over every JavaScript file of the repository, not only worker/'s:
// the archetype's browser test and the benchmarks have no node_modules with a
// prettier of their own, so this module's pinned one checks them too, once.
// Run from the repository root, so that .prettierrc.json applies to every file
// and prettier's default ignore files (.gitignore, .prettierignore) keep
// target/ and node_modules/ out.
//
//   node bundling/format-js.mjs --check   the build's check (verify; -Dprettier.skip skips it)
//   node bundling/format-js.mjs --write   the fix: npm run format

import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const workerDir = dirname(dirname(fileURLToPath(import.meta.url)));
const repositoryRoot = dirname(workerDir);
const prettier = join(workerDir, "node_modules", "prettier", "bin", "prettier.cjs");

const mode = process.argv[2];
if (mode !== "--check" && mode !== "--write") {
  console.error("usage: node bundling/format-js.mjs --check|--write");
  process.exit(2);
}
if (!existsSync(prettier)) {
  console.error(
    `[prettier] ${prettier} is missing — run \`npm ci\` in worker/ (the Maven build does it at generate-resources)`,
  );
  process.exit(1);
}

const result = spawnSync(process.execPath, [prettier, mode, "**/*.{js,mjs,cjs}"], {
  cwd: repositoryRoot,
  stdio: "inherit",
});
if (result.error) {
  console.error(`[prettier] could not run ${prettier}: ${result.error.message}`);
  process.exit(1);
}
if (result.status === 1 && mode === "--check") {
  console.error(`[prettier] the files above are not formatted — fix them with \`npm run format\` in worker/`);
} else if (result.status !== 0) {
  // prettier exits with 2 when it cannot parse a file or read its configuration
  console.error(`[prettier] prettier ${mode} failed (exit code ${result.status}); its messages are above`);
}
process.exit(result.status ?? 1);
