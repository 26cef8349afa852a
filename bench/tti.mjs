// First paint and time to interactive of Labbook pages in headless Chromium:
// first contentful paint, and navigation start to the moment the WASM app
// has hydrated (it then sets <body data-hydrated="true">; from then on every
// control works). Each run uses a fresh browser context (cold HTTP cache)
// unless --warm is given. --throttle MBIT:MS emulates a link of that
// bandwidth and round-trip latency (Chromium's network emulation).
//
//   node bench/tti.mjs [--runs 10] [--warm] [--throttle 20:40] <url> [<url> …]
//
// Prints one JSON object: per URL, p50 and p99 of both in ms, and the bytes
// transferred on the wire (compressed sizes) in the last run.
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
const throttle = value("--throttle", null);

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium" });
const out = {};
for (const url of urls) {
  const times = [];
  const paints = [];
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
    // Bytes on the wire, from the DevTools protocol (compressed sizes, headers included).
    const cdp = await context.newCDPSession(page);
    await cdp.send("Network.enable");
    if (throttle) {
      const [mbit, ms] = throttle.split(":").map(Number);
      const bps = (mbit * 1_000_000) / 8;
      await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: ms, downloadThroughput: bps, uploadThroughput: bps });
    }
    let fetched = 0;
    cdp.on("Network.loadingFinished", (e) => { fetched += e.encodedDataLength; });
    await page.goto(url);
    await page.waitForFunction(() => window.__hydratedAt !== undefined, null, { timeout: 120_000 });
    await page.waitForLoadState("networkidle");
    const [tti, fcp] = await page.evaluate(() => [
      window.__hydratedAt,
      performance.getEntriesByName("first-contentful-paint")[0]?.startTime ?? NaN,
    ]);
    times.push(tti);
    paints.push(fcp);
    bytes = fetched;
    await page.close();
    if (!shared) await context.close();
  }
  const pick = (xs, q) => {
    const s = [...xs].sort((a, b) => a - b);
    return Math.round(s[Math.min(s.length - 1, Math.floor(q * s.length))] * 10) / 10;
  };
  out[url] = {
    runs, throttle, first_paint_p50_ms: pick(paints, 0.5), first_paint_p99_ms: pick(paints, 0.99),
    p50_ms: pick(times, 0.5), p99_ms: pick(times, 0.99), bytes_transferred_last_run: bytes,
  };
}
await browser.close();
console.log(JSON.stringify(out));
