import { expect, test, type Page } from "@playwright/test";
import { call, hydrated, project, task } from "./api";

const web = () => process.env.LABBOOK_WEB_URL!;

function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  return errors;
}

const rowNames = (page: Page) => page.getByTestId("task-row").locator("td:nth-child(3)").allInnerTexts();

test("filter, search and sort the table; reloading the URL gives the same view", async ({ page }) => {
  const errors = watchErrors(page);
  const p = await project("table");
  await task(p.id, { name: "alpha run", status: "completed", tags: ["keep"] });
  await task(p.id, { name: "beta run", status: "completed", tags: ["keep", "best"] });
  await task(p.id, { name: "gamma run", status: "failed", tags: ["keep"] });
  await task(p.id, { name: "delta draft" });
  await task(p.id, { name: "beta draft", comment: "a beta idea" });

  await page.goto(`${web()}/projects/${p.id}`);
  await hydrated(page);
  await expect(page.getByTestId("task-row")).toHaveCount(5);

  // Status filter: Completed only.
  await page.getByTestId("menu-status").locator("summary").click();
  await page.getByTestId("menu-status").getByLabel("Completed").check();
  await expect(page).toHaveURL(/status=completed/);
  await expect(page.getByTestId("task-row")).toHaveCount(2);

  // Search (plain), then sort by name ascending.
  await page.getByRole("searchbox").fill("run");
  await page.getByRole("searchbox").press("Enter");
  await expect(page).toHaveURL(/q=run/);
  await page.getByRole("columnheader", { name: "Name" }).getByRole("link").click();
  await expect(page).toHaveURL(/sort=name&dir=asc/);
  await expect.poll(() => rowNames(page)).toEqual(["alpha run", "beta run"]);
  await page.getByRole("columnheader", { name: /Name/ }).getByRole("link").click();
  await expect(page).toHaveURL(/sort=name&dir=desc/);
  await expect.poll(() => rowNames(page)).toEqual(["beta run", "alpha run"]);

  // The URL alone reproduces the view.
  const url = page.url();
  await page.goto("about:blank");
  await page.goto(url);
  await hydrated(page);
  await expect.poll(() => rowNames(page)).toEqual(["beta run", "alpha run"]);
  await expect(page.getByRole("searchbox")).toHaveValue("run");
  await expect(page.getByRole("columnheader", { name: /Name/ })).toHaveAttribute("aria-sort", "descending");

  // A regex search over name and comment, and a tag filter with "not".
  await page.goto(`${web()}/projects/${p.id}?q=${encodeURIComponent("^beta")}&regex=1`);
  await expect.poll(async () => (await rowNames(page)).sort()).toEqual(["beta draft", "beta run"]);
  await page.goto(`${web()}/projects/${p.id}?tags=best&tagmode=not&sort=name&dir=asc`);
  await expect.poll(() => rowNames(page)).toEqual(["alpha run", "beta draft", "delta draft", "gamma run"]);
  // A broken regex is explained in the page, not a blank panel.
  await page.goto(`${web()}/projects/${p.id}?q=${encodeURIComponent("(")}&regex=1`);
  await expect(page.getByRole("alert")).toContainText("not a valid regex");
  expect(errors).toEqual([]);
});

test("a bulk action says how many tasks it applies to and applies to those", async ({ page }) => {
  const errors = watchErrors(page);
  const p = await project("bulk");
  const done = await task(p.id, { name: "finished one", status: "completed" });
  const d1 = await task(p.id, { name: "draft one" });
  const d2 = await task(p.id, { name: "draft two" });
  await page.goto(`${web()}/projects/${p.id}?sort=name&dir=asc`);
  await hydrated(page);
  await page.getByLabel("Select this page").check();
  const bar = page.getByTestId("bulk-bar");
  await expect(bar).toContainText("3 selected");
  // The seed's state table: only drafts can be enqueued, only ended tasks reset.
  await expect(bar.locator('[data-action="Enqueue"]')).toHaveText("Enqueue (2 of 3)");
  await expect(bar.locator('[data-action="Reset"]')).toHaveText("Reset (1 of 3)");
  await expect(bar.locator('[data-action="Abort"]')).toBeDisabled();

  await bar.locator('[data-action="Add tags"]').click();
  const dialog = page.getByRole("dialog", { name: "Add tags 3 tasks?" });
  await expect(dialog.getByLabel("Tags (comma-separated)")).toBeFocused();
  await dialog.getByLabel("Tags (comma-separated)").fill("reviewed, batch-1");
  await dialog.getByRole("button", { name: "Add tags 3 tasks" }).click();
  await expect(page.getByTestId("action-report")).toContainText("Applied to 3 task(s)");
  for (const id of [done, d1, d2]) {
    const t = (await call("tasks.get_by_id", { task: id })).task;
    expect(t.tags).toEqual(expect.arrayContaining(["reviewed", "batch-1"]));
  }
  await expect(page.getByTestId("task-row").first()).toContainText("reviewed");

  // Archive two drafts: they leave the table and show under "Archived".
  await page.getByLabel("Select draft one").check();
  await page.getByLabel("Select draft two").check();
  await page.getByTestId("bulk-bar").locator('[data-action="Archive"]').click();
  await expect(page.getByTestId("task-row")).toHaveCount(1);
  await page.getByLabel("Archived").check();
  await expect(page.getByTestId("task-row")).toHaveCount(2);
  expect(errors).toEqual([]);
});

test("editing a draft in forms: a refused value, a save, and a stale form", async ({ page }) => {
  const errors = watchErrors(page);
  const p = await project("edit");
  const id = await task(p.id, {
    name: "editable draft",
    hyperparams: { Args: { epochs: { value: "3", type: "int" }, lr: { value: "0.1", type: "float" } } },
    configuration: { "config.yaml": { value: "depth: 4\n", type: "yaml" } },
  });
  await page.goto(`${web()}/tasks/${id}?tab=edit`);
  await hydrated(page);
  const epochs = page.getByLabel("Value of Args/epochs");
  await epochs.fill("abc");
  // The message sits next to the field as it is typed, and Save refuses.
  const row = page.getByTestId("edit-param").filter({ has: epochs });
  await expect(row.getByRole("alert")).toContainText("not a whole number");
  await page.getByRole("button", { name: "Save" }).click();
  await page.waitForTimeout(300);
  let t = (await call("tasks.get_by_id", { task: id })).task;
  expect(t.hyperparams.Args.epochs.value).toBe("3");

  await epochs.fill("7");
  await expect(row.getByRole("alert")).toHaveCount(0);
  await page.getByLabel("Content of config.yaml").fill("depth: 8\n");
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByRole("status")).toContainText("Saved");
  t = (await call("tasks.get_by_id", { task: id })).task;
  expect(t.hyperparams.Args.epochs.value).toBe("7");
  expect(t.configuration["config.yaml"].value).toBe("depth: 8\n");

  // Someone else edits the task while this form is open: the save is refused.
  await page.reload();
  await hydrated(page);
  await call("tasks.edit", { task: id, comment: "edited elsewhere" });
  await page.getByLabel("Value of Args/lr").fill("0.5");
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByTestId("stale")).toContainText("changed by someone else");
  t = (await call("tasks.get_by_id", { task: id })).task;
  expect(t.hyperparams.Args.lr.value).toBe("0.1");
  expect(t.comment).toBe("edited elsewhere");
  // Reloading shows the newer version, and saving then works.
  await page.getByTestId("stale").getByRole("button", { name: "Reload the task" }).click();
  await page.getByLabel("Value of Args/lr").fill("0.5");
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByRole("status")).toContainText("Saved");
  t = (await call("tasks.get_by_id", { task: id })).task;
  expect(t.hyperparams.Args.lr.value).toBe("0.5");
  // The Configuration tab shows the saved object highlighted: key and number.
  await page.getByRole("tab", { name: "Configuration" }).click();
  const text = page.getByTestId("config-text");
  await expect(text.locator(".k")).toHaveText("depth");
  await expect(text.locator(".n")).toHaveText(" 8");
  expect(errors).toEqual([]);
});

test("clone, edit the clone, enqueue it", async ({ page }) => {
  const errors = watchErrors(page);
  const p = await project("clone");
  const src = await task(p.id, {
    name: "baseline", status: "completed", hyperparams: { Args: { lr: { value: "0.1", type: "float" } } },
  });
  await page.goto(`${web()}/tasks/${src}`);
  await hydrated(page);
  // A completed task cannot be enqueued or edited, only cloned, reset, published…
  await expect(page.locator('.actions [data-action="Enqueue"]')).toHaveCount(0);
  await page.locator('.actions [data-action="Clone"]').click();
  const dialog = page.getByRole("dialog");
  await dialog.getByLabel("Name").fill("baseline, higher lr");
  await dialog.getByRole("button", { name: "Clone" }).click();
  await expect(page.getByRole("heading", { name: "baseline, higher lr" })).toBeVisible();
  await expect(page).toHaveURL(/tab=edit/);
  const cloneId = page.url().match(/tasks\/([^?]+)/)![1];

  await page.getByLabel("Value of Args/lr").fill("0.3");
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByRole("status")).toContainText("Saved");
  await page.locator('.actions [data-action="Enqueue"]').click();
  await expect(page.locator(".task-head")).toContainText("Pending");
  const t = (await call("tasks.get_by_id", { task: cloneId })).task;
  expect(t.status).toBe("queued");
  expect(t.parent).toBe(src);
  expect(t.hyperparams.Args.lr.value).toBe("0.3");
  // Dequeue brings it back to draft.
  await page.locator('.actions [data-action="Dequeue"]').click();
  await expect(page.locator(".task-head")).toContainText("Draft");
  expect(errors).toEqual([]);
});

test("compare three tasks: side by side, hide identical, metrics and plots", async ({ page }) => {
  const errors = watchErrors(page);
  const p = await project("compare");
  for (const [i, lr] of ["0.1", "0.2", "0.3"].entries()) {
    await task(p.id, {
      name: `run ${i}`, status: "completed",
      hyperparams: { Args: { lr: { value: lr }, batch: { value: "32" } } },
      scalars: { loss: { train: [1, 0.5 - i * 0.1, 0.25 - i * 0.05] } },
    });
  }
  await page.goto(`${web()}/projects/${p.id}?sort=name&dir=asc`);
  await hydrated(page);
  await page.getByLabel("Select this page").check();
  await page.getByTestId("bulk-bar").getByRole("link", { name: "Compare" }).click();
  await expect(page.getByRole("heading", { name: "Compare tasks" })).toBeVisible();
  const table = page.getByRole("table", { name: "comparison" });
  await expect(table.locator("thead th")).toHaveCount(4);
  await expect(table.getByTestId("compare-row").filter({ hasText: "Args/lr" })).toContainText("0.3");
  await expect(table.getByTestId("compare-row").filter({ hasText: "Args/batch" })).toHaveCount(1);
  await page.getByLabel("Hide identical").check();
  await expect(table.getByTestId("compare-row").filter({ hasText: "Args/batch" })).toHaveCount(0);
  await expect(table.getByTestId("compare-row").filter({ hasText: "Args/lr" })).toHaveCount(1);
  await expect(page.getByTestId("compare-metric").filter({ hasText: "loss/train" })).toContainText("0.15");
  const chart = page.locator('[data-testid="scalar-chart"][data-metric="loss"]');
  await expect(chart.locator(".scatterlayer .trace")).toHaveCount(3, { timeout: 20_000 });
  await expect(page.getByTestId("parallel-coordinates").locator(".js-plotly-plot")).toHaveCount(1, { timeout: 20_000 });
  expect(errors).toEqual([]);
});

test("the CSV export holds the filtered view", async ({ request }) => {
  const p = await project("csv");
  await task(p.id, { name: "csv, one", status: "completed", hyperparams: { Args: { lr: { value: "0.5" } } } });
  await task(p.id, { name: "csv two" });
  const r = await request.get(`${web()}/export/tasks.csv?project=${p.id}&status=completed&cols=name,status,${encodeURIComponent("hp:Args|lr")}`);
  expect(r.status()).toBe(200);
  expect(r.headers()["content-type"]).toContain("text/csv");
  expect(await r.text()).toBe('Name,Status,Args/lr\r\n"csv, one",Completed,0.5\r\n');
});
