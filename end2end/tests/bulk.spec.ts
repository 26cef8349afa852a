import { expect, test, type Page } from "@playwright/test";
import { call, hydrated, project, task } from "./api";

const web = () => process.env.LABBOOK_WEB_URL!;

const exists = async (id: string) =>
  (await call("tasks.get_all", { id: [id], only_fields: ["id"] })).tasks.length === 1;

// Destructive actions ask first, say how many tasks they touch, and can be
// cancelled by the button, by Escape and by a click outside.
test("a destructive bulk action asks with the count and can be cancelled", async ({ page }) => {
  const p = await project("bulk-confirm");
  const done = await task(p.id, { name: "finished", status: "completed" });
  const drafts = [await task(p.id, { name: "draft a" }), await task(p.id, { name: "draft b" })];
  await page.goto(`${web()}/projects/${p.id}?sort=name&dir=asc`);
  await hydrated(page);
  await page.getByLabel("Select this page").check();
  const bar = page.getByTestId("bulk-bar");
  const del = bar.locator('[data-action="Delete"]');
  // ClearML's rule: only drafts (and archived tasks) can be deleted.
  await expect(del).toHaveText("Delete (2 of 3)");

  await del.click();
  const dialog = page.getByRole("dialog", { name: "Delete 2 tasks?" });
  await expect(dialog).toContainText("cannot be undone");
  // Focus moves into the dialog, onto Cancel (not onto the destructive button).
  await expect(dialog.getByRole("button", { name: "Cancel" })).toBeFocused();
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await expect(dialog).toHaveCount(0);

  await del.click();
  await expect(dialog).toBeVisible();
  await page.keyboard.press("Escape");
  await expect(dialog).toHaveCount(0);
  // Focus returns to the button that opened it.
  await expect(del).toBeFocused();

  await del.click();
  await page.getByTestId("dialog-backdrop").click({ position: { x: 5, y: 5 } });
  await expect(dialog).toHaveCount(0);
  for (const id of [done, ...drafts]) expect(await exists(id)).toBe(true);
  await expect(page.getByTestId("task-row")).toHaveCount(3);

  await del.click();
  await dialog.getByRole("button", { name: "Delete 2 tasks" }).click();
  await expect(page.getByTestId("action-report")).toContainText("Applied to 2 task(s)");
  await expect(page.getByTestId("task-row")).toHaveCount(1);
  for (const id of drafts) expect(await exists(id)).toBe(false);
  expect(await exists(done)).toBe(true);
});

// After "select all matching" the buttons count the whole view (from the
// server), not the page.
test("select all matching counts every matching task", async ({ page }) => {
  const p = await project("bulk-all");
  await task(p.id, { name: "finished", status: "completed" });
  await Promise.all(Array.from({ length: 51 }, (_, i) => task(p.id, { name: `draft ${i}` })));
  await page.goto(`${web()}/projects/${p.id}`);
  await hydrated(page);
  await page.getByLabel("Select this page").check();
  const bar = page.getByTestId("bulk-bar");
  await bar.getByRole("button", { name: "Select all 52 matching" }).click();
  await expect(bar).toContainText("All 52 matching tasks selected");
  await expect(bar.locator('[data-action="Delete"]')).toHaveText("Delete (51 of 52)");
  await expect(bar.locator('[data-action="Reset"]')).toHaveText("Reset (1 of 52)");
  await expect(bar.locator('[data-action="Abort"]')).toHaveText("Abort (0 of 52)");
  await expect(bar.locator('[data-action="Abort"]')).toBeDisabled();
  await bar.locator('[data-action="Delete"]').click();
  await expect(page.getByRole("dialog", { name: "Delete 51 tasks?" })).toBeVisible();
  await page.keyboard.press("Escape");
  expect((await call("tasks.get_all", { project: [p.id], only_fields: ["id"] })).tasks.length).toBe(52);
});

// Each action asks for its own argument: a queue list for Enqueue, a
// project for Move.
test("enqueue picks a queue and move picks a project, each in its own dialog", async ({ page }) => {
  const p = await project("bulk-args");
  const q = `bulk-q-${Date.now().toString(36)}`;
  const queue = (await call("queues.create", { name: q })).id;
  const id = await task(p.id, { name: "to enqueue" });
  await page.goto(`${web()}/projects/${p.id}`);
  await hydrated(page);
  await page.getByLabel("Select to enqueue").check();
  await page.getByTestId("bulk-bar").locator('[data-action="Enqueue"]').click();
  const dialog = page.getByRole("dialog", { name: "Enqueue 1 task?" });
  await dialog.getByLabel("Queue").selectOption({ label: q });
  await dialog.getByRole("button", { name: "Enqueue 1 task" }).click();
  await expect(page.getByTestId("action-report")).toContainText("Applied to 1 task(s)");
  const t = (await call("tasks.get_by_id", { task: id })).task;
  expect(t.status).toBe("queued");
  expect(t.execution.queue).toBe(queue);

  const target = `${p.name}/moved-here`;
  await page.getByLabel("Select to enqueue").check();
  await page.getByTestId("bulk-bar").locator('[data-action="Move to project"]').click();
  const move = page.getByRole("dialog", { name: "Move to project 1 task?" });
  await move.getByLabel("Project (created if new)").fill(target);
  await move.getByRole("button", { name: "Move to project 1 task" }).click();
  await expect(page.getByTestId("action-report")).toContainText("Applied to 1 task(s)");
  const moved = (await call("tasks.get_by_id", { task: id })).task;
  const projects = (await call("projects.get_all", { name: `^${target.replace(/[/.]/g, "\\$&")}$` })).projects;
  expect(projects.map((x: any) => x.id)).toEqual([moved.project]);
});

// The task page asks before an irreversible action, too.
test("the task page asks before deleting and Escape keeps the task", async ({ page }) => {
  const p = await project("page-confirm");
  const id = await task(p.id, { name: "lonely draft" });
  await page.goto(`${web()}/tasks/${id}`);
  await hydrated(page);
  const del = page.locator('.actions [data-action="Delete"]');
  await del.click();
  const dialog = page.getByRole("dialog", { name: "Delete this task?" });
  await expect(dialog).toBeVisible();
  await page.keyboard.press("Escape");
  await expect(dialog).toHaveCount(0);
  await expect(del).toBeFocused();
  expect(await exists(id)).toBe(true);
  await del.click();
  await dialog.getByRole("button", { name: "Delete" }).click();
  await expect(page).toHaveURL(new RegExp(`/projects/${p.id}`));
  expect(await exists(id)).toBe(false);
});

// Menus close on Escape (focus back on their button) and on a click outside.
test("Escape and a click outside close menus; the clone dialog takes the focus", async ({ page }) => {
  const p = await project("menus");
  const id = await task(p.id, { name: "menu task", status: "completed" });
  await page.goto(`${web()}/projects/${p.id}`);
  await hydrated(page);
  const menu = page.getByTestId("menu-status");
  await menu.locator("summary").click();
  await expect(menu).toHaveAttribute("open", "");
  await page.keyboard.press("Escape");
  await expect(menu).not.toHaveAttribute("open", "");
  await expect(menu.locator("summary")).toBeFocused();
  await menu.locator("summary").click();
  await expect(menu).toHaveAttribute("open", "");
  await page.locator("h1").click();
  await expect(menu).not.toHaveAttribute("open", "");

  await page.goto(`${web()}/tasks/${id}`);
  await hydrated(page);
  const clone = page.locator('.actions [data-action="Clone"]');
  await clone.click();
  const dialog = page.getByRole("dialog", { name: "Clone task" });
  await expect(dialog.getByLabel("Name")).toBeFocused();
  await page.keyboard.press("Escape");
  await expect(dialog).toHaveCount(0);
  await expect(clone).toBeFocused();
});

// Each pick in the Columns menu redraws the table; the menu stays open so
// several columns can be picked in a row.
test("the Columns menu stays open while columns are picked", async ({ page }) => {
  const p = await project("columns-menu");
  await task(p.id, { name: "with columns", status: "completed" });
  await page.goto(`${web()}/projects/${p.id}`);
  await hydrated(page);
  const menu = page.getByTestId("menu-columns");
  await menu.locator("summary").click();
  await expect(menu).toHaveAttribute("open", "");
  await menu.getByRole("checkbox", { name: "Duration", exact: true }).check();
  await expect(page).toHaveURL(/cols=/);
  await expect(page.getByRole("columnheader", { name: "Duration" })).toBeVisible();
  await expect(page.getByTestId("menu-columns")).toHaveAttribute("open", "");
  await page.getByTestId("menu-columns").getByRole("checkbox", { name: "Project", exact: true }).check();
  await expect(page.getByRole("columnheader", { name: "Project" })).toBeVisible();
  await expect(page.getByTestId("menu-columns")).toHaveAttribute("open", "");
  await page.keyboard.press("Escape");
  await expect(page.getByTestId("menu-columns")).not.toHaveAttribute("open", "");
});
