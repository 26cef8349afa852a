import { expect, test } from "@playwright/test";
import { call, events, hydrated, project, task, upload } from "./api";

const web = () => process.env.LABBOOK_WEB_URL!;

// A 1×1 PNG, uploaded as debug samples.
const png = Uint8Array.from(atob("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="), (c) => c.charCodeAt(0));

test("the Plots tab draws every figure the SDK reported", async ({ page }) => {
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(`${web()}/tasks/${process.env.LABBOOK_REPORT_TASK_ID}?tab=plots`);
  for (const metric of ["scatter", "hist", "table", "confusion", "plotly", "mpl"]) {
    const fig = page.locator(`[data-testid="plot"][data-metric="${metric}"]`);
    await expect(fig).toHaveCount(1);
    await expect(fig.locator(".js-plotly-plot")).toHaveCount(1, { timeout: 20_000 });
  }
  expect(errors).toEqual([]);
});

test("the Artifacts tab lists artifacts with previews and the models", async ({ page }) => {
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(`${web()}/tasks/${process.env.LABBOOK_ARTIFACT_TASK_ID}`);
  await page.getByRole("tab", { name: "Artifacts" }).click();
  const artifacts = page.getByRole("table", { name: "artifacts" });
  await expect(artifacts.getByTestId("artifact").filter({ hasText: "dict_artifact" })).toContainText('"a": 1');
  await expect(artifacts.getByTestId("artifact").filter({ hasText: "pandas_artifact" })).toHaveCount(1);
  const models = page.getByRole("table", { name: "models" });
  await expect(models.getByTestId("model").filter({ hasText: "weights.bin" })).toHaveCount(1);
  await expect(models.getByTestId("model").filter({ hasText: "auto_model.pkl" })).toContainText("ScikitLearn");
  expect(errors).toEqual([]);
});

test("Debug samples: the SDK's image and html, served to the browser", async ({ page }) => {
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(`${web()}/tasks/${process.env.LABBOOK_REPORT_TASK_ID}?tab=samples`);
  const image = page.locator('[data-testid="sample"][data-metric="image"] img');
  await expect(image).toHaveAttribute("src", /^\/media\//);
  // The browser really loaded it: an 8×8 image, no Bearer token needed.
  await expect.poll(() => image.evaluate((el: HTMLImageElement) => el.naturalWidth)).toBe(8);
  const html = page.locator('[data-testid="sample"][data-metric="media"] iframe');
  await expect(html).toHaveAttribute("src", /\.html$/);
  expect(errors).toEqual([]);
});

test("iteration sliders pick the debug sample and the plot of an iteration", async ({ page }) => {
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  const p = await project("slider");
  const id = await task(p.id, { name: "with iterations", status: "completed" });
  // The 1×1 PNG, stored three times under different names.
  const lines: Record<string, unknown>[] = [];
  for (const iter of [0, 5, 10]) {
    const url = await upload(`e2e/${id}/sample_${iter}.png`, png, "image/png");
    lines.push({ type: "training_debug_image", task: id, metric: "samples", variant: "input", iter, url, timestamp: Date.now() });
    const fig = { data: [{ type: "bar", x: [1, 2], y: [iter, iter + 1] }], layout: { title: { text: `at ${iter}` } } };
    lines.push({ type: "plot", task: id, metric: "bars", variant: "b", iter, plot_str: JSON.stringify(fig), timestamp: Date.now() });
  }
  await events(lines);

  await page.goto(`${web()}/tasks/${id}?tab=samples`);
  await hydrated(page);
  const sample = page.getByTestId("sample");
  await expect(sample.getByTestId("iteration")).toHaveText("10");
  await expect(sample.locator("img")).toHaveAttribute("src", /sample_10\.png$/);
  await sample.getByLabel("Iteration").fill("0");
  await expect(sample.getByTestId("iteration")).toHaveText("0");
  await expect(sample.locator("img")).toHaveAttribute("src", /sample_0\.png$/);

  await page.getByRole("tab", { name: "Plots" }).click();
  const plot = page.locator('[data-testid="plot"][data-metric="bars"]');
  await expect(plot.locator("figcaption")).toContainText("(iteration 10)");
  await expect(plot.locator(".gtitle")).toHaveText("at 10", { timeout: 20_000 });
  await plot.getByLabel("Iteration").fill("1");
  await expect(plot.locator("figcaption")).toContainText("(iteration 5)");
  await expect(plot.locator(".gtitle")).toHaveText("at 5");
  expect(errors).toEqual([]);
});

// The viewer shows one sample large and steps through its iterations with
// its buttons and the arrow keys; Escape closes it and the page's slider
// shows where it stopped.
test("the sample viewer enlarges a sample and steps through iterations", async ({ page }) => {
  const p = await project("viewer");
  const id = await task(p.id, { name: "viewed", status: "completed" });
  const lines: Record<string, unknown>[] = [];
  for (const iter of [0, 5, 10]) {
    const url = await upload(`e2e/${id}/view_${iter}.png`, png, "image/png");
    lines.push({ type: "training_debug_image", task: id, metric: "val", variant: "pred", iter, url, timestamp: Date.now() });
  }
  await events(lines);
  await page.goto(`${web()}/tasks/${id}?tab=samples`);
  await hydrated(page);
  const open = page.getByTestId("sample").getByRole("button", { name: "enlarge" });
  await open.click();
  const viewer = page.getByRole("dialog", { name: "val — pred" });
  await expect(viewer.getByTestId("viewer-position")).toHaveText("Iteration 10 · 3 of 3");
  await expect(viewer.locator("img")).toHaveAttribute("src", /view_10\.png$/);
  await expect(viewer.getByRole("button", { name: "Next ›" })).toBeDisabled();
  await viewer.getByRole("button", { name: "‹ Previous" }).click();
  await expect(viewer.getByTestId("viewer-position")).toHaveText("Iteration 5 · 2 of 3");
  await expect(viewer.locator("img")).toHaveAttribute("src", /view_5\.png$/);
  await page.keyboard.press("ArrowLeft");
  await expect(viewer.getByTestId("viewer-position")).toHaveText("Iteration 0 · 1 of 3");
  await expect(viewer.getByRole("button", { name: "‹ Previous" })).toBeDisabled();
  await page.keyboard.press("ArrowRight");
  await expect(viewer.getByTestId("viewer-position")).toHaveText("Iteration 5 · 2 of 3");
  await page.keyboard.press("Escape");
  await expect(viewer).toHaveCount(0);
  await expect(open).toBeFocused();
  await expect(page.getByTestId("sample").getByTestId("iteration")).toHaveText("5");
});

test("artifacts and models download from the page; a model has its own page", async ({ page, request }) => {
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(`${web()}/tasks/${process.env.LABBOOK_ARTIFACT_TASK_ID}?tab=artifacts`);
  await hydrated(page);
  const artifact = page.getByRole("table", { name: "artifacts" }).getByTestId("artifact").filter({ hasText: "pandas_artifact" });
  const href = await artifact.getByRole("link", { name: "download" }).getAttribute("href");
  expect(href).toMatch(/^\/media\//);
  const file = await request.get(web() + href!);
  expect(file.status()).toBe(200);
  expect((await file.body()).length).toBeGreaterThan(0);

  const model = page.getByRole("table", { name: "models" }).getByTestId("model").filter({ hasText: "auto_model.pkl" });
  await model.getByRole("link").first().click();
  await expect(page).toHaveURL(/\/models\/[0-9a-f]{32}$/);
  await expect(page.getByTestId("model-uri")).toContainText("auto_model.pkl");
  await expect(page.getByRole("table", { name: "model" })).toContainText("ScikitLearn");
  await expect(page.getByTestId("model-creator").getByRole("link")).toHaveCount(1);
  const weights = await page.getByTestId("model-uri").getByRole("link", { name: "Download" }).getAttribute("href");
  expect((await request.get(web() + weights!)).status()).toBe(200);
  expect(errors).toEqual([]);
});

test("single values are a Summary table, never a point at -2147483648", async ({ page }) => {
  const id = process.env.LABBOOK_REPORT_TASK_ID!;
  await page.goto(`${web()}/projects/any/tasks/${id}/output/log`);
  await page.getByRole("tab", { name: "Scalars" }).click();
  const summary = page.getByTestId("summary-value").filter({ hasText: "final_acc" });
  await expect(summary).toHaveCount(1);
  await expect(summary).toContainText("0.97");
  await expect(page.locator('[data-testid="scalar-values"][data-series="Summary/final_acc"]')).toHaveCount(0);
  await expect(page.getByTestId("scalar-chart").filter({ hasText: "final_acc" })).toHaveCount(0);
  await expect(page.locator("body")).not.toContainText("2147483648");
  await page.getByRole("tab", { name: "Info" }).click();
  await expect(page.locator("body")).not.toContainText("2147483648");
});

// A server render carries a tab's data once, whatever the timing of its
// parts; a running task's charts then fetch only the points after those
// shown, every few seconds, and draw them.
test("the Scalars tab is rendered with its data once and a running task appends only new points", async ({ page, request }) => {
  const p = await project("live-scalars");
  const id = await task(p.id, { name: "live run", status: "in_progress", scalars: { loss: { train: [5, 4, 3] } } });
  const sizes = new Set<number>();
  for (let i = 0; i < 6; i++) {
    const html = await (await request.get(`${web()}/tasks/${id}?tab=scalars`)).text();
    expect(html.split('\\"variant\\":\\"train\\",\\"x\\"').length - 1, "the series is serialized once").toBe(1);
    sizes.add(html.length);
  }
  expect(sizes.size).toBe(1);

  const asked: unknown[] = [];
  page.on("request", (r) => {
    if (r.url().includes("/rpc/task_scalars")) asked.push(r.postDataJSON()?.range ?? null);
  });
  await page.goto(`${web()}/tasks/${id}?tab=scalars`);
  await hydrated(page);
  const chart = page.locator('[data-testid="scalar-chart"][data-metric="loss"]');
  const points = () => chart.evaluate((el) => ((el.querySelector(".js-plotly-plot") as any)?.data?.[0]?.x ?? []).length);
  await expect.poll(points, { timeout: 20_000 }).toBe(3);
  await events([3, 4].map((iter) => ({ type: "training_stats_scalar", task: id, metric: "loss", variant: "train", value: 2 - iter / 10, iter, timestamp: Date.now() })));
  await expect.poll(points, { timeout: 20_000 }).toBe(5);
  // Hydration reuses the server's data; the refreshes ask from iteration 3 on.
  expect(asked.length).toBeGreaterThan(0);
  expect(asked.every((r) => Array.isArray(r) && (r as number[])[0] >= 3)).toBe(true);
});

// An action on the page reads the open tab again: after a reset, the
// Scalars tab no longer shows the old run's curves.
test("a reset from the Scalars tab clears its charts", async ({ page }) => {
  const p = await project("reset-scalars");
  const id = await task(p.id, { name: "to reset", status: "completed", scalars: { loss: { train: [3, 2, 1] } } });
  await page.goto(`${web()}/tasks/${id}?tab=scalars`);
  await hydrated(page);
  await expect(page.locator('[data-testid="scalar-chart"][data-metric="loss"]')).toHaveCount(1);
  await page.locator('.actions [data-action="Reset"]').click();
  await page.getByRole("dialog", { name: "Reset this task?" }).getByTestId("confirm").click();
  await expect(page.locator(".task-head")).toContainText("Draft");
  await expect(page.getByText("No scalars reported.")).toBeVisible();
  await expect(page.locator('[data-testid="scalar-chart"]')).toHaveCount(0);
});

// A running task's console asks only for the entries after the last one
// shown, and appends them (the whole tail is not read again).
test("a running task's console appends only new entries", async ({ page }) => {
  const p = await project("live-console");
  const id = await task(p.id, { name: "live console", status: "in_progress" });
  await events([{ type: "log", task: id, level: "info", worker: "w", msg: "first line", timestamp: Date.now() }]);
  const whole: string[] = [];
  const after: string[] = [];
  page.on("request", (r) => {
    if (r.url().endsWith("/rpc/task_console")) whole.push(r.url());
    if (r.url().endsWith("/rpc/task_console_after")) after.push(r.postData() ?? "");
  });
  await page.goto(`${web()}/tasks/${id}?tab=console`);
  await hydrated(page);
  const console = page.getByTestId("console");
  await expect(console).toContainText("first line");
  await events([{ type: "log", task: id, level: "info", worker: "w", msg: "second line\nthird line", timestamp: Date.now() }]);
  await expect(console).toContainText("third line", { timeout: 20_000 });
  await expect(console.locator(".line")).toHaveCount(3);
  await events([{ type: "log", task: id, level: "error", worker: "w", msg: "fourth line", timestamp: Date.now() }]);
  await expect(console.locator(".line.err")).toHaveText(/fourth line/, { timeout: 20_000 });
  await expect(console.locator(".line")).toHaveCount(4);
  // Hydration reused the server's tail; every refresh asked after a cursor.
  expect(whole).toEqual([]);
  expect(after.length).toBeGreaterThan(0);
  expect(after.every((body) => /after=\d+/.test(body))).toBe(true);
});

// A running task's page follows it in place: new points redraw the same
// chart (a full-screen chart stays so), the values table and the status
// change without rebuilding the tab, and a console search is kept while
// new lines arrive.
test("a running task's page follows it in place", async ({ page }) => {
  const p = await project("in-place");
  const id = await task(p.id, { name: "followed", status: "in_progress", scalars: { loss: { train: [5, 4, 3] } } });
  await page.goto(`${web()}/tasks/${id}?tab=scalars`);
  await hydrated(page);
  const chart = page.locator('[data-testid="scalar-chart"][data-metric="loss"]');
  const plot = chart.locator(".js-plotly-plot");
  const points = () => plot.evaluate((el: any) => (el.data?.[0]?.x ?? []).length);
  await expect.poll(points, { timeout: 20_000 }).toBe(3);
  await plot.evaluate((el: any) => (el.__kept = true));
  await chart.getByRole("button", { name: "Full screen" }).click();
  await events([3, 4].map((iter) => ({ type: "training_stats_scalar", task: id, metric: "loss", variant: "train", value: 1.5, iter, timestamp: Date.now() })));
  await expect.poll(points, { timeout: 20_000 }).toBe(5);
  await expect(page.locator("table.values")).toContainText("1.5");
  expect(await plot.evaluate((el: any) => el.__kept === true), "the same chart, redrawn in place").toBe(true);
  await expect(chart.getByRole("button", { name: "Exit full screen" })).toHaveAttribute("aria-pressed", "true");
  await call("tasks.completed", { task: id, force: true });
  await expect(page.locator(".task-head")).toContainText("Completed", { timeout: 20_000 });
  expect(await plot.evaluate((el: any) => el.__kept === true)).toBe(true);

  const other = await task(p.id, { name: "followed console", status: "in_progress" });
  await events([{ type: "log", task: other, level: "info", worker: "w", msg: "epoch 1 done\nsaving", timestamp: Date.now() }]);
  await page.goto(`${web()}/tasks/${other}?tab=console`);
  await hydrated(page);
  const search = page.getByLabel("Search the console");
  await search.fill("epoch");
  await expect(page.getByTestId("console-matches")).toHaveText("1 matching lines");
  // Refreshes wait while the cursor is in a field: leave it.
  await page.getByRole("button", { name: "Jump to start" }).focus();
  await events([{ type: "log", task: other, level: "info", worker: "w", msg: "epoch 2 done", timestamp: Date.now() }]);
  await expect(page.getByTestId("console-matches")).toHaveText("2 matching lines", { timeout: 20_000 });
  await expect(search).toHaveValue("epoch");
  await expect(page.getByTestId("console").locator(".line")).toHaveCount(2);
});
