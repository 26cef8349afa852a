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
