import { expect, test } from "@playwright/test";
import { call, hydrated, project, task } from "./api";

const web = () => process.env.LABBOOK_WEB_URL!;

// The models table: searched, filtered by state and framework, published
// from a dialog that says what it does and can be cancelled.
test("the models table filters and publishes", async ({ page }) => {
  const p = await project("models");
  const t = await task(p.id, { name: "trainer", status: "completed" });
  const make = async (name: string, framework: string, tags: string[] = []) =>
    (await call("models.create", { name, uri: `file:///tmp/${name}.pt`, project: p.id, framework, tags, task: t, ready: false })).id;
  const a = await make("resnet small", "PyTorch", ["best"]);
  const b = await make("resnet large", "PyTorch");
  await make("boosted trees", "XGBoost");

  await page.goto(`${web()}/models?project=${p.id}`);
  await hydrated(page);
  const rows = page.getByTestId("model-row");
  await expect(rows).toHaveCount(3);
  await expect(rows.filter({ hasText: "resnet small" })).toContainText("trainer");

  // Search by name: the URL keeps it.
  await page.getByRole("searchbox", { name: "Search" }).fill("resnet");
  await page.getByRole("button", { name: "Search", exact: true }).click();
  await expect(rows).toHaveCount(2);
  await expect(page).toHaveURL(/q=resnet/);
  await expect(page.getByRole("navigation", { name: "pages" })).toContainText("2 models");

  // Framework and tag filters.
  await page.goto(`${web()}/models?project=${p.id}&framework=XGBoost`);
  await expect(rows).toHaveCount(1);
  await expect(rows).toContainText("boosted trees");
  await page.goto(`${web()}/models?project=${p.id}&tag=best`);
  await expect(rows).toHaveCount(1);
  await expect(rows).toContainText("resnet small");

  // Sorted by name, A to Z.
  await page.goto(`${web()}/models?project=${p.id}&sort=name&dir=asc`);
  await expect(rows.first()).toContainText("boosted trees");

  // Publish one: the dialog says how many, Cancel changes nothing.
  await page.goto(`${web()}/models?project=${p.id}&q=resnet`);
  await hydrated(page);
  await rows.filter({ hasText: "resnet small" }).getByRole("checkbox").check();
  const publish = page.getByTestId("model-bulk-bar").locator('[data-action="Publish"]');
  await expect(publish).toHaveText("Publish (1)");
  await publish.click();
  const dialog = page.getByRole("dialog", { name: "Publish 1 model?" });
  await expect(dialog).toContainText("final");
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await expect(dialog).toHaveCount(0);
  expect((await call("models.get_by_id", { model: a })).model.ready).toBe(false);

  await publish.click();
  await dialog.getByRole("button", { name: "Publish 1 model" }).click();
  await expect(page.getByRole("status")).toContainText("Done for 1 model");
  await expect(rows.filter({ hasText: "resnet small" }).getByTestId("model-state")).toHaveText("published");
  expect((await call("models.get_by_id", { model: a })).model.ready).toBe(true);
  expect((await call("models.get_by_id", { model: b })).model.ready).toBe(false);

  // The state filter now tells them apart.
  await page.goto(`${web()}/models?project=${p.id}&state=published`);
  await expect(rows).toHaveCount(1);
  await expect(rows).toContainText("resnet small");
  await page.goto(`${web()}/models?project=${p.id}&state=draft`);
  await expect(rows).toHaveCount(2);

  // Archive moves a model to the archive view, and back.
  await rows.filter({ hasText: "boosted trees" }).getByRole("checkbox").check();
  await page.getByTestId("model-bulk-bar").locator('[data-action="Archive"]').click();
  await expect(rows).toHaveCount(1);
  await page.goto(`${web()}/models?project=${p.id}&archived=1`);
  await expect(rows).toHaveCount(1);
  await expect(rows.getByTestId("model-state")).toHaveText("archived");
});

test("the header links to the models table", async ({ page }) => {
  await page.goto(web() + "/");
  await page.getByRole("navigation", { name: "main" }).getByRole("link", { name: "Models" }).click();
  await expect(page).toHaveURL(/\/models$/);
  await expect(page).toHaveTitle("Models · Labbook");
  await expect(page.getByRole("table", { name: "models" })).toBeVisible();
});
