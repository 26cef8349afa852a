import { expect, test, type Page } from "@playwright/test";
import { call, hydrated, project, task } from "./api";

const web = () => process.env.LABBOOK_WEB_URL!;

function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  return errors;
}

async function projectNames(): Promise<string[]> {
  const out = await call("projects.get_all", { search_hidden: true });
  return out.projects.map((p: any) => p.name);
}

test("create, rename, move and delete a project; a non-empty one needs a choice", async ({ page }) => {
  const errors = watchErrors(page);
  const root = `e2e/crud-${Date.now().toString(36)}`;
  await page.goto(`${web()}/`);
  await hydrated(page);
  await page.getByLabel("New project").fill(`${root}/alpha`);
  await page.getByRole("button", { name: "Create" }).click();
  await expect(page.getByRole("heading", { name: `${root}/alpha` })).toBeVisible();
  const id = new URL(page.url()).pathname.split("/").pop()!;
  await task(id, { name: "lives here", status: "completed" });

  // Rename in place.
  await page.getByRole("toolbar", { name: "project actions" }).getByRole("button", { name: "Rename" }).click();
  await page.getByLabel("New name").fill("beta");
  await page.locator('form[data-form="rename"]').getByRole("button", { name: "Rename" }).click();
  await expect(page.getByRole("heading", { name: `${root}/beta` })).toBeVisible();

  // Move under a new parent (created on the way).
  await page.getByRole("toolbar", { name: "project actions" }).getByRole("button", { name: "Move" }).click();
  await page.getByLabel(/New parent/).fill(`${root}/shelf`);
  await page.locator('form[data-form="move"]').getByRole("button", { name: "Move" }).click();
  await expect(page.getByRole("heading", { name: `${root}/shelf/beta` })).toBeVisible();

  // The tree shows it nested, with its task count.
  await page.goto(`${web()}/`);
  const node = (name: string) =>
    page.getByTestId("project-node").filter({ has: page.getByRole("link", { name, exact: true }) }).last();
  await expect(node("shelf").getByRole("link", { name: "beta", exact: true })).toBeVisible();
  await expect(node("beta").locator(":scope > .counts")).toContainText("1 tasks");

  // Delete: refused while it holds a task, then done moving the task out.
  await page.goto(`${web()}/projects/${id}`);
  await hydrated(page);
  await page.getByRole("toolbar", { name: "project actions" }).getByRole("button", { name: "Delete" }).click();
  await page.locator('form[data-form="delete"]').getByRole("button", { name: "Delete project" }).click();
  await expect(page.getByRole("alert")).toContainText("is not empty (1 tasks");
  expect(await projectNames()).toContain(`${root}/shelf/beta`);
  await page.getByLabel(/Move them to/).check();
  await page.getByLabel("project to move the tasks to").fill(`${root}/rescued`);
  await page.locator('form[data-form="delete"]').getByRole("button", { name: "Delete project" }).click();
  await expect(page.getByRole("heading", { name: "Projects" })).toBeVisible();
  const names = await projectNames();
  expect(names).not.toContain(`${root}/shelf/beta`);
  const rescued = await call("projects.get_all", { name: `^${root}/rescued$` });
  const moved = await call("tasks.get_all", { project: [rescued.projects[0].id], only_fields: ["name"] });
  expect(moved.tasks.map((t: any) => t.name)).toEqual(["lives here"]);
  expect(errors).toEqual([]);
});

test("the new-task form refuses bad input and creates a draft like Task.create", async ({ page }) => {
  const errors = watchErrors(page);
  const p = await project("newtask");
  await page.goto(`${web()}/projects/${p.id}`);
  await hydrated(page);
  await page.getByRole("link", { name: "New task" }).click();
  await expect(page.getByRole("heading", { name: "New task" })).toBeVisible();
  await hydrated(page);
  await expect(page.getByLabel("Project", { exact: true })).toHaveValue(p.name);

  await page.getByLabel("Name", { exact: true }).fill("x");
  await page.getByLabel(/^Arguments \(/).fill("--lr 0.5 stray");
  await page.getByRole("button", { name: "Create draft" }).click();
  await expect(page.locator("#name-error")).toContainText("at least 3 characters");
  await expect(page.locator("#entry_point-error")).toContainText("script to run is required");
  await expect(page.locator("#arguments-error")).toContainText("'stray' is not an argument");

  await page.getByLabel("Name", { exact: true }).fill("from the form");
  await page.getByLabel("Repository", { exact: true }).fill("https://example.com/team/repo.git");
  await page.getByLabel("Branch", { exact: true }).fill("main");
  await page.getByLabel("Script", { exact: true }).fill("train.py");
  await page.getByLabel("Working dir", { exact: true }).fill("src");
  await page.getByLabel(/^Arguments \(/).fill("--lr 0.5 --epochs=3");
  await page.getByLabel("Image", { exact: true }).fill("python:3.11");
  await page.getByRole("button", { name: "Create draft" }).click();
  await expect(page.getByRole("heading", { name: "from the form" })).toBeVisible();

  const id = new URL(page.url()).pathname.split("/").pop()!;
  const t = (await call("tasks.get_by_id", { task: id })).task;
  expect(t.status).toBe("created");
  expect(t.project).toBe(p.id);
  expect(t.script).toMatchObject({ repository: "https://example.com/team/repo.git", branch: "main", entry_point: "train.py", working_dir: "src" });
  expect(t.container.image).toBe("python:3.11");
  expect(t.hyperparams.Args.lr.value).toBe("0.5");
  expect(t.hyperparams.Args.epochs.value).toBe("3");
  expect(errors).toEqual([]);
});

test("the theme switch picks light or dark over the system's, and remembers it", async ({ page }) => {
  await page.emulateMedia({ colorScheme: "light" });
  await page.goto(`${web()}/`);
  await hydrated(page);
  const bg = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  const light = await bg();
  const toggle = page.getByRole("button", { name: "Theme" });
  await expect(toggle).toHaveText("Theme: system");
  await toggle.click();
  await expect(page.locator("html")).toHaveAttribute("data-theme", "light");
  await toggle.click();
  await expect(page.locator("html")).toHaveAttribute("data-theme", "dark");
  await expect.poll(bg).not.toBe(light);
  // Remembered across a reload, applied before the app hydrates.
  await page.reload();
  await expect(page.locator("html")).toHaveAttribute("data-theme", "dark");
  await hydrated(page);
  await expect(toggle).toHaveText("Theme: dark");
  await toggle.click();
  await expect(page.locator("html")).not.toHaveAttribute("data-theme", /.*/);
  await expect.poll(bg).toBe(light);
});
