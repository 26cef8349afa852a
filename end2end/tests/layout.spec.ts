import { expect, test, type Page } from "@playwright/test";
import { hydrated, project, task } from "./api";

const web = () => process.env.LABBOOK_WEB_URL!;

const header = (page: Page, name: string) => page.getByRole("columnheader", { name });
const width = async (page: Page, name: string) => (await header(page, name).boundingBox())!.width;

test("columns resize by dragging and by keys; a project's layout is kept; a URL's columns win", async ({ page }) => {
  const p = await project("layout");
  const other = await project("layout-other");
  await task(p.id, { name: "a task with a rather long name to resize around", status: "completed" });
  await task(other.id, { name: "elsewhere", status: "completed" });
  await page.goto(`${web()}/projects/${p.id}`);
  await hydrated(page);

  // Drag the Type column's right edge 150 px to the right.
  const before = await width(page, "Type");
  const handle = page.getByRole("separator", { name: "Resize Type" });
  const box = (await handle.boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + 80, box.y + box.height / 2, { steps: 4 });
  await page.mouse.move(box.x + 150, box.y + box.height / 2, { steps: 4 });
  await page.mouse.up();
  await expect.poll(() => width(page, "Type")).toBeGreaterThan(before + 130);
  const dragged = await width(page, "Type");
  expect(dragged).toBeLessThan(before + 170);
  // The drag did not sort by the column.
  await expect(page).not.toHaveURL(/sort=type/);

  // Arrow keys narrow it in steps.
  await handle.focus();
  await page.keyboard.press("ArrowLeft");
  await page.keyboard.press("ArrowLeft");
  await expect.poll(() => width(page, "Type")).toBeLessThan(dragged - 24);

  // Add a column: the project remembers the columns and the width.
  const menu = page.getByTestId("menu-columns");
  await menu.locator("summary").click();
  await menu.getByRole("checkbox", { name: "Duration", exact: true }).check();
  await expect(header(page, "Duration")).toBeVisible();
  const kept = await width(page, "Type");
  await page.goto(`${web()}/projects/${p.id}`);
  await hydrated(page);
  await expect(header(page, "Duration")).toBeVisible();
  await expect(page).toHaveURL(/cols=.*duration/);
  expect(Math.abs((await width(page, "Type")) - kept)).toBeLessThan(2);

  // Another project keeps its own (default) layout.
  await page.goto(`${web()}/projects/${other.id}`);
  await hydrated(page);
  await expect(page.getByTestId("task-row")).toHaveCount(1);
  await expect(header(page, "Duration")).toHaveCount(0);

  // A link that names its columns shows them.
  await page.goto(`${web()}/projects/${p.id}?cols=name,status`);
  await hydrated(page);
  await expect(header(page, "Type")).toHaveCount(0);
  await expect(header(page, "Duration")).toHaveCount(0);

  // Double-click lets a column fit again; Reset layout forgets it all.
  await page.goto(`${web()}/projects/${p.id}`);
  await hydrated(page);
  await expect(header(page, "Duration")).toBeVisible();
  await page.getByRole("separator", { name: "Resize Type" }).dblclick();
  await expect.poll(() => width(page, "Type")).toBeLessThan(kept - 20);
  await page.getByTestId("menu-columns").locator("summary").click();
  await page.getByRole("button", { name: "Reset layout" }).click();
  await expect(header(page, "Duration")).toHaveCount(0);
  await page.goto(`${web()}/projects/${p.id}`);
  await hydrated(page);
  await expect(header(page, "Name")).toBeVisible();
  await expect(header(page, "Duration")).toHaveCount(0);
});
