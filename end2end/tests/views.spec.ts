import { expect, test, type Page } from "@playwright/test";
import { call, hydrated, project, task } from "./api";

const web = () => process.env.LABBOOK_WEB_URL!;

// A folder of folders shows what is below it: counts on its sub-projects,
// and its table can include their tasks (with a Project column).
test("a parent project counts and, switched on, lists its sub-projects' tasks", async ({ page }) => {
  const top = await project("parent");
  const a = (await call("projects.create", { name: `${top.name}/aaa`, description: "" })).id;
  const deep = (await call("projects.create", { name: `${top.name}/aaa/deep`, description: "" })).id;
  const b = (await call("projects.create", { name: `${top.name}/bbb`, description: "" })).id;
  await task(a, { name: "in a 1", status: "completed" });
  await task(a, { name: "in a 2" });
  await task(deep, { name: "in deep", status: "in_progress" });
  await task(b, { name: "in b" });

  await page.goto(`${web()}/projects/${top.id}`);
  await hydrated(page);
  await expect(page.getByTestId("task-row")).toHaveCount(0);
  await expect(page.locator("td.empty")).toContainText("its sub-projects hold 4");
  const sub = (n: string) => page.getByTestId("subproject").filter({ has: page.getByRole("link", { name: n, exact: true }) });
  await expect(sub("aaa")).toContainText("3 tasks · 1 running");
  await expect(sub("bbb")).toContainText("1 tasks");
  await expect(page.getByRole("columnheader", { name: "Project" })).toHaveCount(0);

  await page.getByLabel("Sub-projects").check();
  await expect(page).toHaveURL(/sub=1/);
  await expect(page.getByTestId("task-row")).toHaveCount(4);
  await expect(page.getByRole("columnheader", { name: "Project" })).toBeVisible();
  const row = page.getByTestId("task-row").filter({ hasText: "in deep" });
  await expect(row.locator("td.project")).toHaveText(`${top.name}/aaa/deep`);
  await row.locator("td.project a").click();
  await expect(page).toHaveURL(new RegExp(`/projects/${deep}`));

  // The start page's tree counts the whole subtree too.
  await page.goto(web() + "/");
  const leaf = top.name.split("/").pop()!;
  // The innermost node holding the link (its ancestors hold it too).
  const node = page.getByTestId("project-node").filter({ has: page.getByRole("link", { name: leaf, exact: true }) }).last();
  await expect(node.locator(":scope > .counts")).toContainText("4 tasks · 1 running");
});

test("all tasks has a Project column", async ({ page }) => {
  await page.goto(web() + "/tasks");
  await expect(page.getByRole("columnheader", { name: "Project" })).toBeVisible();
});

test.describe("in Tokyo", () => {
  test.use({ timezoneId: "Asia/Tokyo" });
  // Times render in UTC on the server (labelled so) and switch to the
  // browser's zone once the page runs.
  test("times follow the browser's time zone", async ({ page }) => {
    const p = await project("zone");
    await task(p.id, { name: "timed", status: "completed" });
    await page.goto(`${web()}/projects/${p.id}`);
    await hydrated(page);
    const started = page.getByTestId("task-row").first().locator("td.time time").first();
    const iso = (await started.getAttribute("datetime"))!;
    const tokyo = new Date(new Date(iso).getTime() + 9 * 3600_000).toISOString().slice(0, 19).replace("T", " ");
    await expect(started).toHaveText(`${tokyo} UTC+09:00`);
    // Updated reads relatively, the exact time in its tooltip.
    const updated = page.getByTestId("task-row").first().locator("td.time time").nth(1);
    await expect(updated).toHaveText(/just now|min ago/);
    await expect(updated).toHaveAttribute("title", /UTC\+09:00$/);
  });

  // plotly.js reads epoch numbers as UTC: the wall-time axis is given the
  // reader's clock instead, and says which zone it is.
  test("a chart's wall-time axis is on the browser's clock", async ({ page }) => {
    const p = await project("zone chart");
    const before = Date.now();
    const id = await task(p.id, { name: "timed chart", status: "completed", scalars: { loss: { train: [3, 2, 1] } } });
    const after = Date.now();
    await page.goto(`${web()}/tasks/${id}?tab=scalars`);
    await hydrated(page);
    await page.getByLabel("X axis").selectOption("wall");
    const chart = page.locator('[data-testid="scalar-chart"][data-metric="loss"] .js-plotly-plot');
    await expect.poll(() => chart.evaluate((el: any) => el.layout?.xaxis?.title?.text), { timeout: 20_000 }).toBe("time (UTC+09:00)");
    const x: string = await chart.evaluate((el: any) => el.data[0].x[0]);
    // The first point's time, read as Tokyo's clock, is when it was reported.
    const at = Date.parse(x.replace(" ", "T") + "+09:00");
    expect(at).toBeGreaterThanOrEqual(before - 1000);
    expect(at).toBeLessThanOrEqual(after + 1000);
  });
});

test("an unknown task, project or page is a 404 with a proper title", async ({ page }) => {
  const r = await page.goto(web() + "/tasks/no-such-task");
  expect(r!.status()).toBe(404);
  await expect(page).toHaveTitle("Not found · Labbook");
  await expect(page.getByRole("heading", { name: "Not found" })).toBeVisible();
  await expect(page.getByRole("alert")).toContainText("There is no task with id no-such-task");
  await expect(page.getByRole("alert")).not.toContainText("server function");

  const p = await page.goto(web() + "/projects/no-such-project");
  expect(p!.status()).toBe(404);
  await expect(page).toHaveTitle("Not found · Labbook");
  await expect(page.locator("form.filters")).toHaveCount(0);

  const n = await page.goto(web() + "/no/such/page");
  expect(n!.status()).toBe(404);
  await expect(page).toHaveTitle("Not found · Labbook");

  // An unknown tab opens the default one.
  const id = process.env.LABBOOK_TASK_ID!;
  await page.goto(`${web()}/tasks/${id}?tab=bogus`);
  await expect(page.getByRole("tab", { name: "Execution" })).toHaveAttribute("aria-selected", "true");
});

const noSidewaysScroll = async (page: Page) =>
  page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth);

test("at phone width (390 px) no page scrolls sideways and the header fits", async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  const id = process.env.LABBOOK_TASK_ID!;
  for (const path of ["/", "/tasks", `/tasks/${id}`, `/tasks/${id}?tab=info`, `/tasks/${id}?tab=scalars`, "/queues", "/workers", "/settings"]) {
    await page.goto(web() + path);
    await page.waitForLoadState("networkidle");
    expect(await noSidewaysScroll(page), path).toBe(true);
    const theme = await page.getByRole("button", { name: "Theme" }).boundingBox();
    expect(theme!.x + theme!.width, path).toBeLessThanOrEqual(390);
  }
});

// Relative luminance of a CSS rgb() colour, 0 (black) to 1 (white).
const luminance = (rgb: string) => {
  const [r, g, b] = rgb.match(/\d+(\.\d+)?/g)!.slice(0, 3).map(Number);
  return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
};

test("charts follow dark mode: light text, no white boxes", async ({ page }) => {
  await page.addInitScript(() => localStorage.setItem("labbook-theme", "dark"));
  const id = process.env.LABBOOK_TASK_ID!;
  await page.goto(`${web()}/tasks/${id}?tab=scalars`);
  const chart = page.locator('[data-testid="scalar-chart"][data-metric="loss"] .js-plotly-plot');
  await expect(chart.locator(".xtick text").first()).toBeVisible({ timeout: 20_000 });
  const tick = await chart.locator(".xtick text").first().evaluate((e) => getComputedStyle(e).fill);
  expect(luminance(tick)).toBeGreaterThan(0.6);
  const bg = await chart.locator("rect.bg").first().evaluate((e) => getComputedStyle(e).fill);
  expect(bg === "rgba(0, 0, 0, 0)" || luminance(bg) < 0.4, bg).toBe(true);

  // Switching to light redraws them with dark text.
  const theme = page.getByRole("button", { name: "Theme" });
  while (!(await theme.innerText()).includes("light")) await theme.click();
  await expect.poll(async () => luminance(await chart.locator(".xtick text").first().evaluate((e) => getComputedStyle(e).fill)))
    .toBeLessThan(0.4);
});

// A task that ran can still be renamed, commented and tagged (ClearML's
// tasks.update); a published one cannot.
test("name, comment and tags of a finished task can be edited; a published one's not", async ({ page }) => {
  const p = await project("labels");
  const id = await task(p.id, { name: "finished run", status: "completed", tags: ["old"] });
  await page.goto(`${web()}/tasks/${id}?tab=info`);
  await hydrated(page);
  await page.getByTestId("edit-labels").click();
  const dialog = page.getByRole("dialog", { name: "Rename, comment, tags" });
  await expect(dialog.getByLabel("Name")).toBeFocused();
  await dialog.getByLabel("Name").fill("ab");
  await dialog.getByRole("button", { name: "Save" }).click();
  await expect(dialog.getByRole("alert")).toContainText("at least 3 characters");
  await dialog.getByLabel("Name").fill("renamed run");
  await dialog.getByLabel("Comment").fill("the good one");
  await dialog.getByLabel("Tags (comma-separated)").fill("old, best, best");
  await dialog.getByRole("button", { name: "Save" }).click();
  await expect(dialog).toHaveCount(0);
  await expect(page.getByRole("heading", { name: "renamed run" })).toBeVisible();
  await expect(page.getByTestId("task-comment")).toHaveText("the good one");
  const t = (await call("tasks.get_by_id", { task: id })).task;
  expect([t.name, t.comment, t.tags, t.status]).toEqual(["renamed run", "the good one", ["old", "best"], "completed"]);

  await call("tasks.publish", { task: id });
  await page.reload();
  await hydrated(page);
  await expect(page.getByRole("heading", { name: "renamed run" })).toBeVisible();
  await expect(page.getByTestId("edit-labels")).toHaveCount(0);
});

// Tags are chips: the ones in use in the project are offered, a chip is
// removed with its button, Enter adds what is typed.
test("the tag picker offers the project's tags and edits chips", async ({ page }) => {
  const p = await project("tag picker");
  await task(p.id, { name: "tagged before", tags: ["golden", "baseline"] });
  const id = await task(p.id, { name: "to tag", status: "completed", tags: ["old"] });
  await page.goto(`${web()}/tasks/${id}?tab=info`);
  await hydrated(page);
  await page.getByTestId("edit-labels").click();
  const dialog = page.getByRole("dialog", { name: "Rename, comment, tags" });
  await expect(dialog.getByTestId("tag-chip")).toHaveText(["old×"]);
  await expect(dialog.getByTestId("tag-suggestions")).toContainText("+ golden");
  await expect(dialog.getByTestId("tag-suggestions")).not.toContainText("+ old");
  await dialog.getByRole("button", { name: "Add tag golden" }).click();
  await dialog.getByRole("button", { name: "Remove tag old" }).click();
  await dialog.getByLabel("Tags (comma-separated)").fill("fresh");
  await dialog.getByLabel("Tags (comma-separated)").press("Enter");
  await expect(dialog).toBeVisible();
  await expect(dialog.getByTestId("tag-chip")).toHaveText(["golden×", "fresh×"]);
  await expect(dialog.getByTestId("tag-suggestions")).not.toContainText("+ golden");
  await dialog.getByRole("button", { name: "Save" }).click();
  await expect(dialog).toHaveCount(0);
  await expect(page.getByTestId("task-tags")).toHaveText("goldenfresh");
  expect((await call("tasks.get_by_id", { task: id })).task.tags).toEqual(["golden", "fresh"]);
});

// Keyboard users skip the header; a slow new view says it is loading.
test("a skip link leads to the content; a slow sort shows a busy state", async ({ page }) => {
  const p = await project("busy");
  await task(p.id, { name: "busy one", status: "completed" });
  await task(p.id, { name: "busy two", status: "completed" });
  await page.goto(`${web()}/projects/${p.id}`);
  await hydrated(page);
  await page.keyboard.press("Tab");
  const skip = page.getByRole("link", { name: "Skip to content" });
  await expect(skip).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/#main$/);

  // Hold the table's answer back, as a slow sort on a big project would.
  let release: () => void = () => {};
  const held = new Promise<void>((r) => (release = r));
  await page.route("**/rpc/list_tasks", async (route) => {
    await held;
    await route.continue();
  });
  await page.getByRole("columnheader", { name: "Name" }).getByRole("link").click();
  await expect(page.getByTestId("table-busy")).toHaveText("Loading…");
  await expect(page.getByTestId("task-row")).toHaveCount(2);
  release();
  await expect(page.getByTestId("table-busy")).toHaveText("");
  await expect(page).toHaveURL(/sort=name/);
});

// A clone links to its parent by name, and the parent lists its children.
test("a task links to its parent and lists its child tasks", async ({ page }) => {
  const p = await project("family");
  const parent = await task(p.id, { name: "the parent", status: "completed" });
  const child = (await call("tasks.clone", { task: parent, new_task_name: "the child" })).id;
  await page.goto(`${web()}/tasks/${child}?tab=info`);
  await expect(page.getByTestId("parent-link")).toHaveText("the parent");
  await page.getByTestId("parent-link").click();
  await expect(page.getByRole("heading", { name: "the parent" })).toBeVisible();
  await page.goto(`${web()}/tasks/${parent}?tab=info`);
  await expect(page.getByTestId("child-task")).toHaveCount(1);
  await expect(page.getByTestId("child-task")).toContainText("the child");
  await expect(page.getByTestId("child-task")).toContainText("Draft");
});

// The rows per page are part of the view (the URL); the chart options are
// remembered by the browser, across reloads and tasks.
test("page size is in the URL; chart options survive a reload", async ({ page }) => {
  const p = await project("sizes");
  for (let i = 0; i < 30; i++) await task(p.id, { name: `sized ${String(i).padStart(2, "0")}` });
  await page.goto(`${web()}/projects/${p.id}`);
  await hydrated(page);
  await expect(page.getByTestId("task-row")).toHaveCount(30);
  await page.getByLabel("Rows per page").selectOption("25");
  await expect(page).toHaveURL(/size=25/);
  await expect(page.getByTestId("task-row")).toHaveCount(25);
  await expect(page.getByRole("navigation", { name: "pages" })).toContainText("Page 1 of 2 · 30 tasks");
  await page.reload();
  await expect(page.getByTestId("task-row")).toHaveCount(25);

  const id = await task(p.id, { name: "charted", status: "completed", scalars: { loss: { train: [3, 2, 1] } } });
  await page.goto(`${web()}/tasks/${id}?tab=scalars`);
  await hydrated(page);
  await page.getByLabel("Log scale").check();
  await page.getByLabel("X axis").selectOption("wall");
  await page.reload();
  await hydrated(page);
  await expect(page.getByLabel("Log scale")).toBeChecked();
  await expect(page.getByLabel("X axis")).toHaveValue("wall");
  const chart = page.locator('[data-testid="scalar-chart"][data-metric="loss"] .js-plotly-plot');
  await expect.poll(() => chart.evaluate((el: any) => el.layout?.yaxis?.type), { timeout: 20_000 }).toBe("log");
});

// ClearML's and W&B's scalar view options: which metrics, how smoothed,
// another series as the x axis, a chart per series, a chart full screen;
// all of it remembered across a reload.
test("scalar view: choose metrics, smoothing methods, a series as x axis, split, full screen", async ({ page }) => {
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  const p = await project("scalar-view");
  const id = await task(p.id, {
    name: "many metrics",
    status: "completed",
    scalars: { loss: { train: [4, 3, 2, 1], val: [5, 4, 3, 2] }, acc: { val: [0.1, 0.5, 0.7, 0.9] }, epoch: { epoch: [0, 0, 1, 1] } },
  });
  await page.goto(`${web()}/tasks/${id}?tab=scalars`);
  await hydrated(page);
  await page.evaluate(() => localStorage.removeItem("labbook-chart-options"));
  await page.reload();
  await hydrated(page);
  const charts = page.getByTestId("scalar-chart");
  await expect(charts).toHaveCount(3);

  // Hide a metric; the filter narrows the list.
  const menu = page.getByTestId("menu-metrics");
  await menu.locator("summary").click();
  await expect(menu.locator("summary")).toHaveText("Metrics (3 of 3)");
  await menu.getByLabel("Filter metrics").fill("ac");
  await expect(menu.getByTestId("metric-choice").filter({ visible: true })).toHaveCount(1);
  await menu.getByTestId("metric-choice").filter({ hasText: "acc" }).getByRole("checkbox").uncheck();
  await expect(charts).toHaveCount(2);
  await expect(page.locator('[data-testid="scalar-chart"][data-metric="acc"]')).toHaveCount(0);
  await expect(menu.locator("summary")).toHaveText("Metrics (2 of 3)");
  await page.keyboard.press("Escape");

  // A chart per series.
  await page.getByLabel("One chart per series").check();
  await expect(charts).toHaveCount(3);
  await expect(page.locator('[data-testid="scalar-chart"][data-title="loss / val"]')).toBeVisible();
  await page.getByLabel("One chart per series").uncheck();
  await expect(charts).toHaveCount(2);

  // Running average over 2 points: the smoothed train line is [4, 3.5, 2.5, 1.5].
  const loss = page.locator('[data-testid="scalar-chart"][data-metric="loss"] .js-plotly-plot');
  await expect(loss).toHaveCount(1, { timeout: 20_000 });
  await page.getByLabel("Smoother").selectOption("average");
  await page.getByLabel("Smoothing").fill("2");
  const traceY = (n: number) => loss.evaluate((el: any, n) => Array.from(el.data[n].y), n);
  await expect.poll(() => loss.evaluate((el: any) => el.data.length)).toBe(4);
  await expect.poll(() => traceY(1)).toEqual([4, 3.5, 2.5, 1.5]);
  await page.getByLabel("Smoother").selectOption("gaussian");
  await expect.poll(() => traceY(1).then((y: any) => y[0] > 4 || y[0] < 4)).toBe(true);

  // Epoch as the x axis: x values are the epoch at each iteration.
  await page.getByLabel("X axis").selectOption({ label: "epoch / epoch" });
  await expect.poll(() => loss.evaluate((el: any) => Array.from(el.data[0].x))).toEqual([0, 0, 1, 1]);
  await expect.poll(() => loss.evaluate((el: any) => el._fullLayout.xaxis.title.text)).toBe("epoch / epoch");

  // Full screen and back (Escape).
  const figure = page.locator('[data-testid="scalar-chart"][data-metric="loss"]');
  const before = await loss.evaluate((el: any) => el.getBoundingClientRect().height);
  await figure.getByRole("button", { name: "Full screen" }).click();
  await expect(figure).toHaveClass(/maximized/);
  await expect.poll(() => loss.evaluate((el: any) => el.getBoundingClientRect().height)).toBeGreaterThan(before + 100);
  await page.keyboard.press("Escape");
  await expect(figure).not.toHaveClass(/maximized/);

  // Everything is remembered.
  await page.reload();
  await hydrated(page);
  await expect(charts).toHaveCount(2);
  await expect(page.getByLabel("Smoother")).toHaveValue("gaussian");
  await expect(page.getByLabel("X axis")).toHaveValue(/^series:epoch/);
  expect(errors).toEqual([]);
});
