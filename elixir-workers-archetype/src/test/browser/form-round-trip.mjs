// Loads the generated project's home page in headless Chromium, submits the note form (a KV
// write) and waits until the page shows the note read back from KV.
//
//   node form-round-trip.mjs <base url> <chromium executable>
//
// Prints one line per step; exits non-zero with the reason on the first failure.
import { chromium } from "playwright-core";

const [baseUrl, executablePath] = process.argv.slice(2);
if (!baseUrl || !executablePath) {
  console.error("usage: node form-round-trip.mjs <base url> <chromium executable>");
  process.exit(2);
}

const note = `from the browser ${Date.now()}`;
const browser = await chromium.launch({
  executablePath,
  headless: true,
  // root in containers has no user namespaces for Chromium's sandbox
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
});
try {
  const page = await browser.newPage();
  const home = await page.goto(baseUrl + "/");
  if (!home || home.status() !== 200) {
    throw new Error(`GET / answered ${home && home.status()}`);
  }
  const heading = await page.textContent("h1");
  console.log(`home page: ${heading}`);

  await page.fill("#note", note);
  const [posted] = await Promise.all([page.waitForNavigation(), page.click("button[type=submit]")]);
  console.log(`submitted the form: ${page.url()} (${posted && posted.status()})`);

  // As on Workers, the KV write runs after the redirect has been sent: allow a few reloads.
  let latest = "";
  for (let attempt = 0; attempt < 20; attempt++) {
    latest = (await page.textContent("#latest")) ?? "";
    if (latest === note) break;
    await page.waitForTimeout(250);
    await page.reload();
  }
  if (latest !== note) {
    throw new Error(`the page shows "${latest}", not the note "${note}"`);
  }
  console.log(`read back from KV: ${latest}`);
  console.log("BROWSER OK");
} catch (error) {
  console.error(`BROWSER FAILED: ${error.message}`);
  process.exitCode = 1;
} finally {
  await browser.close();
}
