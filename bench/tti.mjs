// Time to interactive of Labbook pages in headless Chromium: from navigation
// start to the moment the WASM app has hydrated (it then sets
// <body data-hydrated="true">; from then on every control works). Each run
// uses a fresh browser context (cold HTTP cache) unless --warm is given.
//
//   node bench/tti.mjs [--runs 10] [--warm] <url> [<url> …]
//
// Prints one JSON object: per URL, p50 and p99 in ms, and the bytes fetched.
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import path from "node:path";

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, "../end2end/package.json"));
const { chromium } = require("playwright");

const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const value = (name, dflt) => (args.includes(name) ? args[args.indexOf(name) + 1] : dflt);
const runs = Number(value("--runs", "10"));
const urls = args.filter((a, i) => a.startsWith("http") && args[i - 1] !== "--runs");

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium" });
const out = {};
for (const url of urls) {
  const times = [];
  let bytes = 0;
  const shared = flag("--warm") ? await browser.newContext() : null;
  for (let i = 0; i < runs; i++) {
    const context = shared ?? (await browser.newContext());
    // Signed in (the session of `$LABBOOK_SESSION`), as a person would be.
    if (process.env.LABBOOK_SESSION) {
      await context.addCookies([{ name: "labbook_session", value: process.env.LABBOOK_SESSION, url }]);
    }
    const page = await context.newPage();
    await page.addInitScript(() => {
      new MutationObserver((_, obs) => {
        if (document.body?.dataset.hydrated === "true") {
          window.__hydratedAt = performance.now();
          obs.disconnect();
        }
      }).observe(document, { attributes: true, subtree: true, attributeFilter: ["data-hydrated"] });
    });
    let fetched = 0;
    page.on("response", async (r) => {
      const len = Number((await r.allHeaders())["content-length"] ?? 0);
      fetched += len;
    });
    await page.goto(url);
    await page.waitForFunction(() => window.__hydratedAt !== undefined, null, { timeout: 60_000 });
    times.push(await page.evaluate(() => window.__hydratedAt));
    bytes = fetched;
    await page.close();
    if (!shared) await context.close();
  }
  times.sort((a, b) => a - b);
  const pick = (q) => Math.round(times[Math.min(times.length - 1, Math.floor(q * times.length))] * 10) / 10;
  out[url] = { runs, p50_ms: pick(0.5), p99_ms: pick(0.99), bytes_fetched_last_run: bytes };
}
await browser.close();
console.log(JSON.stringify(out));
