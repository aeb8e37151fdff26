// SPDX-License-Identifier: Apache-2.0
// The Maven build runs the test files it names (worker/pom.xml, execution node-test): Node 20
// and 22+ disagree on directory and glob arguments. A test file it does not name would never run.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));

test("the Maven build runs every test file in this directory", () => {
  const pom = readFileSync(join(here, "../../../pom.xml"), "utf8");
  const named = [...pom.matchAll(/<argument>src\/test\/js\/([^<]+\.test\.js)<\/argument>/g)].map((m) => m[1]);
  const present = readdirSync(here).filter((f) => f.endsWith(".test.js"));
  assert.deepEqual(named.sort(), present.sort());
});
