import { expect, test, type Page } from "@playwright/test";
import { call, hydrated, project } from "./api";

const web = () => process.env.LABBOOK_WEB_URL!;

/** The traces plotly drew in the history chart titled `title`. */
async function traces(page: Page, title: string): Promise<{ name: string; y: (number | null)[] }[]> {
  const plot = page.locator(`[data-testid="history-chart"][data-title="${title}"] .js-plotly-plot`);
  await plot.waitFor({ timeout: 20_000 });
  return plot.evaluate((el: any) => el.data.map((t: any) => ({ name: t.name, y: t.y })));
}

test("the queues page charts each queue's length over time; the range is remembered", async ({ page }) => {
  const p = await project("history");
  const name = `hist-${Date.now().toString(36)}`;
  const queue = (await call("queues.create", { name })).id;
  for (const n of [1, 2, 3]) {
    const { id } = await call("tasks.create", { name: `waits ${n}`, project: p.id, type: "training" });
    await call("tasks.enqueue", { task: id, queue });
  }
  await page.goto(`${web()}/queues`);
  await hydrated(page);
  await expect.poll(async () => {
    const mine = (await traces(page, "Queue length")).find((t) => t.name === name);
    return mine ? Math.max(...mine.y.map((v) => v ?? 0)) : -1;
  }, { timeout: 20_000 }).toBe(3);
  expect((await traces(page, "Mean wait")).some((t) => t.name === name)).toBe(true);

  // Another range refetches, and a reload keeps it.
  await page.getByLabel("History range").selectOption("7d");
  await expect.poll(async () => (await traces(page, "Queue length")).find((t) => t.name === name)?.y.length ?? 0)
    .toBeGreaterThan(0);
  await page.reload();
  await hydrated(page);
  await expect(page.getByLabel("History range")).toHaveValue("7d");
  await page.evaluate(() => localStorage.removeItem("labbook-history-range"));
});

test("the workers page charts how many workers ran and each one's CPU and memory", async ({ page }) => {
  const worker = `hist-worker:${Date.now().toString(36)}`;
  await call("workers.register", { worker, queues: [] });
  for (let i = 0; i < 2; i++) {
    await call("workers.status_report", {
      worker, timestamp: Date.now(), machine_stats: { cpu_usage: [40, 60], memory_used: 2048 },
    });
  }
  await page.goto(`${web()}/workers`);
  await hydrated(page);
  await expect.poll(async () => Math.max(...(await traces(page, "Workers")).find((t) => t.name === "reporting")!.y.map((v) => v ?? 0)))
    .toBeGreaterThanOrEqual(1);
  const cpu = (await traces(page, "CPU usage")).find((t) => t.name === worker);
  expect(cpu, "a CPU line for the worker").toBeTruthy();
  expect(cpu!.y.filter((v) => v !== null)).toContain(50);
  const memory = (await traces(page, "Memory used")).find((t) => t.name === worker);
  expect(memory!.y.filter((v) => v !== null)).toContain(2);
  // The axis is the reader's clock, named.
  await expect(page.locator('[data-testid="history-chart"][data-title="CPU usage"] .xtitle')).toContainText("time (UTC");
  await call("workers.unregister", { worker });
});
