import { expect, test } from "@playwright/test";
import { call, events, hydrated, project, task, upload } from "./api";

const web = () => process.env.LABBOOK_WEB_URL!;

const script = (diff: string) => ({
  repository: "https://example.com/repo.git", branch: "main", version_num: "abc123", entry_point: "train.py",
  working_dir: ".", diff, requirements: { pip: "numpy==1.26.4\ntorch==2.3.0\n" },
});

// Two runs that differ in one hyperparameter and in one line of their
// uncommitted changes: the diff shows that line on both sides, and the
// parallel-coordinates plot leaves out the hyperparameter that is the same.
test("compare shows a diff of the uncommitted changes and hides constant axes", async ({ page }) => {
  const p = await project("compare-diff");
  const base = "--- a/train.py\n+++ b/train.py\n@@ -1,3 +1,3 @@\n import torch\n-lr = 0.1\n+lr = 0.2\n epochs = 10\n";
  const ids: string[] = [];
  for (const [i, lr] of ["0.1", "0.2"].entries()) {
    const id = await task(p.id, {
      name: `diff run ${i}`,
      hyperparams: { Args: { lr: { value: lr }, epochs: { value: "10" } } },
      scalars: { loss: { train: [1, 0.5 - i * 0.1] } },
    });
    await call("tasks.edit", { task: id, script: script(i === 0 ? base : base.replace("+lr = 0.2", "+lr = 0.3")) });
    ids.push(id);
  }
  await page.goto(`${web()}/compare?ids=${ids.join(",")}`);
  await hydrated(page);

  const diff = page.locator('[data-testid="compare-diff"][data-field="Uncommitted changes"]');
  await expect(diff).toHaveAttribute("open", "");
  const changed = diff.locator('[data-testid="diff-row"][data-kind="changed"]');
  await expect(changed).toHaveCount(1);
  await expect(changed.locator("td.del")).toHaveText("+lr = 0.2");
  await expect(changed.locator("td.ins")).toHaveText("+lr = 0.3");
  // Unchanged lines around it are shown as context.
  await expect(diff.locator('[data-testid="diff-row"][data-kind="same"]').first()).toBeVisible();
  // The packages are the same: said so, no diff drawn.
  const packages = page.locator('[data-testid="compare-diff"][data-field="Installed packages"]');
  await expect(packages).toContainText("identical");
  await expect(packages.getByTestId("diff-row")).toHaveCount(0);

  // The plot's axes: lr and the metric; epochs is constant, so off until chosen.
  const axes = page.getByTestId("axes");
  await expect(axes.getByLabel("Args/epochs (constant)")).not.toBeChecked();
  await expect(axes.getByLabel("Args/lr")).toBeChecked();
  const plot = page.locator("#parallel-coordinates");
  const labels = () => plot.evaluate((el: any) => (el.data?.[0]?.dimensions ?? []).map((d: any) => d.label));
  await expect.poll(labels, { timeout: 20_000 }).toEqual(["Args/lr", "loss/train"]);
  await axes.getByLabel("Args/epochs (constant)").check();
  await expect.poll(labels).toEqual(["Args/epochs", "Args/lr", "loss/train"]);
});

// The comparison exports as CSV (names as columns, formula text defused),
// and a scatter puts a hyperparameter against a metric.
test("compare exports CSV and scatters a hyperparameter against a metric", async ({ page }) => {
  const p = await project("compare-csv");
  const ids: string[] = [];
  for (const [i, lr] of ["0.1", "0.2", "0.4"].entries()) {
    ids.push(await task(p.id, {
      name: i === 2 ? "=HYPERLINK(1)" : `csv run ${i}`,
      hyperparams: { Args: { lr: { value: lr }, batch: { value: String(16 * (i + 1)) } } },
      scalars: { loss: { train: [1, [0.9, 0.7, 0.5][i]] } },
    }));
  }
  await page.goto(`${web()}/compare?ids=${ids.join(",")}`);
  await hydrated(page);

  const href = await page.getByRole("link", { name: "Export CSV" }).getAttribute("href");
  const csv = decodeURIComponent(href!.replace(/^data:text\/csv;charset=utf-8,/, ""));
  const lines = csv.trim().split("\r\n");
  expect(lines[0]).toBe("field,csv run 0,csv run 1,'=HYPERLINK(1)");
  expect(lines).toContain("Hyperparameters/Args/lr,0.1,0.2,0.4");
  expect(lines).toContain("Metrics/loss/train,0.9,0.7,0.5");
  // The browser downloads it as a file.
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Export CSV" }).click()]);
  expect(download.suggestedFilename()).toBe("compare.csv");

  const plot = page.locator("#param-scatter");
  const xy = () => plot.evaluate((el: any) => [el.data?.[0]?.x, el.data?.[0]?.y]);
  await expect.poll(xy, { timeout: 20_000 }).toEqual([[16, 32, 48], [0.9, 0.7, 0.5]]);
  await page.getByLabel("Scatter x").selectOption("Args/lr");
  await expect.poll(xy).toEqual([[0.1, 0.2, 0.4], [0.9, 0.7, 0.5]]);
});

const png = Uint8Array.from(atob("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="), (c) => c.charCodeAt(0));

// Plots and debug samples are compared in folds that load only when opened:
// scatter figures merge into one chart (a trace per task), others sit side by
// side; one iteration slider steps every task's sample.
test("compare shows plots and steps debug samples of every task", async ({ page }) => {
  const p = await project("compare-media");
  const ids: string[] = [];
  for (const i of [0, 1]) {
    const id = await task(p.id, { name: `media run ${i}`, status: "completed" });
    const lines: Record<string, unknown>[] = [];
    // An old and a new figure of each series: only the newest is compared.
    for (const iter of [0, 1]) {
      const scatter = { data: [{ type: "scatter", name: "curve", x: [0, 1], y: [i, iter] }], layout: { title: "roc" } };
      lines.push({ type: "plot", task: id, metric: "roc", variant: "val", iter, plot_str: JSON.stringify(scatter), timestamp: Date.now() });
    }
    const bars = { data: [{ type: "bar", x: ["a", "b"], y: [i, 2] }], layout: {} };
    lines.push({ type: "plot", task: id, metric: "bars", variant: "b", iter: 3, plot_str: JSON.stringify(bars), timestamp: Date.now() });
    // Run 0 has samples at 0 and 10, run 1 at 5 and 10.
    for (const iter of i === 0 ? [0, 10] : [5, 10]) {
      const url = await upload(`e2e/${id}/cmp_${iter}.png`, png, "image/png");
      lines.push({ type: "training_debug_image", task: id, metric: "val", variant: "pred", iter, url, timestamp: Date.now() });
    }
    await events(lines);
    ids.push(id);
  }
  const asked: string[] = [];
  page.on("request", (r) => {
    if (r.url().includes("/rpc/compare_plots") || r.url().includes("/rpc/compare_samples")) asked.push(r.url());
  });
  await page.goto(`${web()}/compare?ids=${ids.join(",")}`);
  await hydrated(page);
  const plots = page.getByTestId("compare-plots");
  await expect(plots).not.toHaveAttribute("open", "");
  expect(asked).toEqual([]);

  await plots.locator("summary").click();
  const roc = plots.locator('[data-testid="compare-plot"][data-metric="roc"]');
  const merged = roc.locator(".plot");
  await expect(merged).toHaveCount(1);
  const traces = () => merged.evaluate((el: any) => (el.data ?? []).map((t: any) => `${t.name}:${t.y.join(",")}`));
  await expect.poll(traces, { timeout: 20_000 }).toEqual(["media run 0 · curve:0,1", "media run 1 · curve:1,1"]);
  const bars = plots.locator('[data-testid="compare-plot"][data-metric="bars"] [data-testid="compare-plot-task"]');
  await expect(bars).toHaveCount(2);
  await expect(bars.nth(1)).toContainText("media run 1 · iteration 3");
  expect(asked.filter((u) => u.includes("compare_samples"))).toEqual([]);

  const samples = page.getByTestId("compare-samples");
  await samples.locator("summary").click();
  const cells = samples.getByTestId("compare-sample");
  await expect(cells).toHaveCount(2);
  // Newest first: both at 10.
  await expect(samples.getByTestId("iteration")).toHaveText("10");
  await expect(cells.nth(0).locator("img")).toHaveAttribute("src", /cmp_10\.png$/);
  // Iteration 5 (index 1 of 0, 5, 10): run 0 shows its sample from 0.
  await samples.getByRole("slider", { name: "Iteration" }).fill("1");
  await expect(samples.getByTestId("iteration")).toHaveText("5");
  await expect(cells.nth(0)).toContainText("media run 0 · iteration 0");
  await expect(cells.nth(1).locator("img")).toHaveAttribute("src", /cmp_5\.png$/);
  await samples.getByRole("slider", { name: "Iteration" }).fill("0");
  await expect(cells.nth(1)).toContainText("media run 1: nothing by iteration 0");

  // The folds' state is remembered.
  await page.reload();
  await hydrated(page);
  await expect(page.getByTestId("compare-samples")).toHaveAttribute("open", "");
  await expect(page.getByTestId("compare-sample")).toHaveCount(2);
});
