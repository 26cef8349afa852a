import { expect, test } from "@playwright/test";

const web = () => process.env.LABBOOK_WEB_URL!;

test("demo › vision › first run shows its console and scalar chart", async ({ page }) => {
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));

  await page.goto(web() + "/");
  await page.getByRole("link", { name: "demo", exact: true }).click();
  await expect(page.getByRole("heading", { name: "demo" })).toBeVisible();
  await page.getByRole("link", { name: "vision", exact: true }).click();
  await expect(page.getByRole("heading", { name: "demo/vision" })).toBeVisible();

  const row = page.getByTestId("task-row").filter({ hasText: "first run" });
  await expect(row).toHaveCount(1);
  await expect(row).toContainText("Completed");
  await expect(row).toContainText("training");
  await row.getByRole("link", { name: "first run" }).click();
  await expect(page.getByRole("heading", { name: "first run" })).toBeVisible();

  await page.getByRole("tab", { name: "Console" }).click();
  const console = page.getByTestId("console");
  await expect(console).toContainText("step 0");
  await expect(console).toContainText("step 99");

  await page.getByRole("tab", { name: "Scalars" }).click();
  const chart = page.locator('[data-testid="scalar-chart"][data-metric="loss"]');
  await expect(chart).toContainText("train");
  // plotly.js drew the line: an SVG trace with a path exists inside the chart.
  await expect(chart.locator(".js-plotly-plot .scatterlayer .trace path.js-line")).toHaveCount(1, { timeout: 20_000 });
  expect(errors).toEqual([]);
});

test("the results-page link the SDK prints opens the task console", async ({ page }) => {
  const id = process.env.LABBOOK_TASK_ID!;
  await page.goto(`${web()}/projects/any/tasks/${id}/output/log`);
  await expect(page.getByRole("heading", { name: "first run" })).toBeVisible();
  await expect(page.getByTestId("console")).toContainText("step 99");
});

test("the first paint is server-rendered with the table rows", async ({ request }) => {
  // Searched, so tasks that other specs made later do not push it off the first page.
  const html = await (await request.get(web() + "/tasks?q=first%20run")).text();
  expect(html).toContain("first run");
  expect(html).toContain('data-testid="task-row"');
});

test("task detail tabs show execution, configuration and info", async ({ page }) => {
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  const id = process.env.LABBOOK_TASK_ID!;
  await page.goto(`${web()}/tasks/${id}?tab=execution`);
  await expect(page.getByTestId("diff")).toContainText("+# an uncommitted change");
  await expect(page.getByTestId("packages")).toContainText("clearml");
  await page.getByRole("tab", { name: "Configuration" }).click();
  const args = page.getByRole("table", { name: "Args" });
  await expect(args.getByTestId("hyperparam").filter({ hasText: "lr" })).toContainText("0.25");
  await page.getByRole("tab", { name: "Info" }).click();
  await expect(page.getByText(id).first()).toBeVisible();
  await expect(page.getByTestId("runtime")).toContainText("python_version");
  expect(errors).toEqual([]);
});

test("the console searches, jumps and downloads the whole log", async ({ page, request }) => {
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  const id = process.env.LABBOOK_TASK_ID!;
  await page.goto(`${web()}/tasks/${id}?tab=console`);
  await page.locator("body[data-hydrated=true]").waitFor();
  const console = page.getByTestId("console");
  await expect(console).toContainText("step 99");
  await page.getByLabel("Search the console").fill("step 42");
  await expect(page.getByTestId("console-matches")).toHaveText("1 matching lines");
  await expect(console).toContainText("step 42");
  await expect(console).not.toContainText("step 41");
  await page.getByLabel("Search the console").fill("");
  await page.getByRole("button", { name: "Jump to end" }).click();
  await expect.poll(() => console.evaluate((el) => el.scrollTop + el.clientHeight >= el.scrollHeight - 2)).toBe(true);
  await page.getByRole("button", { name: "Jump to start" }).click();
  await expect.poll(() => console.evaluate((el) => el.scrollTop)).toBe(0);

  const href = await page.getByRole("link", { name: "Download" }).getAttribute("href");
  const text = await (await request.get(web() + href!)).text();
  expect(text).toContain("step 0");
  expect(text).toContain("step 99");
  expect(text.indexOf("step 0")).toBeLessThan(text.indexOf("step 99"));
  expect(errors).toEqual([]);
});

test("scalars: values table, smoothing, log scale, time axis, and zoom refetches the window", async ({ page }) => {
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  const id = process.env.LABBOOK_TASK_ID!;
  await page.goto(`${web()}/tasks/${id}?tab=scalars`);
  await page.locator("body[data-hydrated=true]").waitFor();
  await expect(page.getByTestId("scalar-values").filter({ hasText: "train" }).first()).toContainText("@99");
  const chart = page.locator('[data-testid="scalar-chart"][data-metric="loss"]');
  const lines = chart.locator(".js-plotly-plot .scatterlayer .trace path.js-line");
  await expect(lines).toHaveCount(1, { timeout: 20_000 });
  const plot = chart.locator(".js-plotly-plot");
  const layout = (key: string) => plot.evaluate((el: any, k) => k.split(".").reduce((o: any, p: string) => o?.[p], el._fullLayout), key);

  // Smoothing draws a smoothed line over the faded raw one.
  await page.getByLabel("Smoothing").fill("0.9");
  await expect(lines).toHaveCount(2);
  await page.getByLabel("Log scale").check();
  await expect.poll(() => layout("yaxis.type")).toBe("log");
  await page.getByLabel("X axis").selectOption("wall");
  await expect.poll(() => layout("xaxis.type")).toBe("date");
  await page.getByLabel("X axis").selectOption("iter");
  await expect.poll(() => layout("xaxis.type")).toBe("linear");

  // Zooming asks the server for that window again.
  const rpc = page.waitForRequest((r) => r.url().includes("/rpc/task_scalars") && (r.postData() ?? "").includes("[10,20]"));
  await plot.evaluate((el: any) => (window as any).Plotly.relayout(el, { "xaxis.range[0]": 10, "xaxis.range[1]": 20 }));
  await rpc;
  await expect(chart.getByTestId("zoom-window")).toContainText("iterations 10–20");
  await plot.evaluate((el: any) => (window as any).Plotly.relayout(el, { "xaxis.autorange": true }));
  await expect(chart.getByTestId("zoom-window")).toHaveCount(0);
  expect(errors).toEqual([]);
});
