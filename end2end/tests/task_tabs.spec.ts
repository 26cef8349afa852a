import { expect, test } from "@playwright/test";

const web = () => process.env.LABBOOK_WEB_URL!;

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
