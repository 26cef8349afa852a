import { expect, test } from "@playwright/test";

const web = () => process.env.LABBOOK_WEB_URL!;

// The chart library (4.6 MB) loads only where a chart is drawn, after the
// page.
test("a table page never loads plotly.js; a chart page loads it after the page", async ({ page }) => {
  const plotly: string[] = [];
  page.on("request", (r) => {
    if (r.url().includes("plotly")) plotly.push(r.url());
  });
  await page.goto(web() + "/tasks");
  await expect(page.getByTestId("task-row").first()).toBeVisible();
  await page.waitForLoadState("networkidle");
  expect(plotly).toEqual([]);
  expect(await page.evaluate(() => typeof (window as any).Plotly)).toBe("undefined");

  const id = process.env.LABBOOK_TASK_ID!;
  await page.goto(`${web()}/projects/any/tasks/${id}/output/log`);
  await page.getByRole("tab", { name: "Scalars" }).click();
  const chart = page.locator('[data-testid="scalar-chart"][data-metric="loss"]');
  await expect(chart.locator(".js-plotly-plot .scatterlayer .trace path.js-line")).toHaveCount(1, { timeout: 20_000 });
  expect(plotly.length).toBe(1);
});

test("every page says what it is in its title", async ({ page }) => {
  await page.goto(web() + "/tasks");
  await expect(page).toHaveTitle("Tasks · Labbook");
  await page.goto(web() + "/queues");
  await expect(page).toHaveTitle("Queues · Labbook");
  const id = process.env.LABBOOK_TASK_ID!;
  await page.goto(`${web()}/tasks/${id}`);
  await expect(page).toHaveTitle("first run · Labbook");
});

// The bundle's URLs carry a hash of its contents, so a browser keeps it for
// good and a new build is fetched under new names; the vendored plotly.js
// carries its version. Other static files are revalidated.
test("static files are versioned and cached for good", async ({ page }) => {
  const bundle: { url: string; cache: string | undefined }[] = [];
  page.on("response", (r) => {
    if (r.url().includes("/pkg/")) bundle.push({ url: r.url(), cache: r.headers()["cache-control"] });
  });
  await page.goto(web() + "/tasks");
  await page.waitForLoadState("networkidle");
  expect(bundle.map((b) => new URL(b.url).pathname.replace(/\/pkg\/[0-9a-f]{16}\//, "/pkg/V/")).sort()).toEqual(
    ["/pkg/V/labbook.css", "/pkg/V/labbook.js", "/pkg/V/labbook.wasm"],
  );
  for (const b of bundle) expect(b.cache, b.url).toBe("public, max-age=31536000, immutable");

  const plotly = await page.request.get(web() + "/plotly-3.0.1.min.js");
  expect(plotly.status()).toBe(200);
  expect(plotly.headers()["cache-control"]).toBe("public, max-age=31536000, immutable");
  const icon = await page.request.get(web() + "/favicon.svg");
  expect(icon.headers()["cache-control"]).toBe("no-cache");
  // A page rendered by an older build still gets the bundle, not cached for good.
  const old = await page.request.get(web() + "/pkg/0000000000000000/labbook.css");
  expect(old.status()).toBe(200);
  expect(old.headers()["cache-control"]).toBe("no-cache");
});
