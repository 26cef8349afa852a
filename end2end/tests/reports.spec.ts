import { expect, test } from "@playwright/test";
import { call, events, hydrated, project, task } from "./api";

const web = () => process.env.LABBOOK_WEB_URL!;

// A report written through the API (as ClearML's web app writes one, with
// its embed snippet) reads as sanitized Markdown with the task's chart
// drawn in it, and the chart follows the task as it reports more.
test("a report renders its Markdown safely and draws its embedded chart live", async ({ page }) => {
  const p = await project("report-view");
  const id = await task(p.id, { name: "reported run", status: "in_progress", scalars: { loss: { train: [3, 2, 1], val: [4, 3, 2] } } });
  const markdown = [
    "# Weekly results",
    "",
    "The **loss** went down. <script>window.pwned = 1</script><img src=x onerror=\"window.pwned = 2\">",
    "",
    "| run | loss |",
    "|-----|------|",
    "| a   | 1    |",
    "",
    `<iframe\n  src="https://app.clear.ml/widgets/?type=scalar&objectType=task&objects=${id}&metrics=loss&variants=train&company=abc"\n  width="100%" height="400"\n></iframe>`,
    "",
    "<iframe src=\"https://example.com/\"></iframe>",
    "After the chart.",
  ].join("\n");
  const name = `weekly ${Date.now().toString(36)}`;
  const { id: report } = await call("reports.create", { name, project: p.id, comment: "what we learned", report: markdown });

  await page.goto(`${web()}/reports?q=${encodeURIComponent(name)}`);
  await hydrated(page);
  const card = page.getByTestId("report-card");
  await expect(card).toHaveCount(1);
  await expect(card).toContainText("what we learned");
  await expect(card).toContainText(p.name);
  await card.getByRole("link", { name }).click();
  await expect(page).toHaveURL(new RegExp(`/reports/${report}$`));
  await expect(page).toHaveTitle(`${name} · Reports · Labbook`);

  const body = page.getByTestId("report-body");
  await expect(body.getByRole("heading", { name: "Weekly results" })).toBeVisible();
  await expect(body.locator("strong")).toHaveText("loss");
  await expect(body.locator("table")).toContainText("run");
  await expect(body.getByText("After the chart.")).toBeVisible();
  // Nothing of the script, the handler or the foreign frame survives.
  await expect(body.locator("script, iframe, [onerror]")).toHaveCount(0);
  expect(await page.evaluate(() => (window as any).pwned)).toBeUndefined();

  // The embed is drawn: only the chosen series of the task.
  const widget = body.getByTestId("report-widget");
  await expect(widget).toHaveAttribute("data-kind", "scalar");
  const plot = widget.locator(".plot").first();
  const traces = () => plot.evaluate((el: any) => (el.data ?? []).filter((t: any) => !t.hoverinfo || t.hoverinfo !== "skip").map((t: any) => `${t.name}:${t.y.length}`));
  await expect.poll(traces, { timeout: 20_000 }).toEqual(["train:3"]);
  await expect(widget.getByRole("link", { name: "Open the source" })).toHaveAttribute("href", `/tasks/${id}?tab=scalars`);
  // Live: the task reports on, the chart follows without a reload.
  await events([3, 4].map((iter) => ({ type: "training_stats_scalar", task: id, metric: "loss", variant: "train", value: 0.5, iter, timestamp: Date.now() })));
  await expect.poll(traces, { timeout: 30_000 }).toEqual(["train:5"]);
});

// A report made in the dashboard: created from the dialog, written with an
// embed inserted by the helper and previewed, saved, published (asked, and
// then locked), archived, and deleted (asked) from the archive.
test("a report is created, edited with an embedded chart, published, archived and deleted", async ({ page }) => {
  const p = await project("report-edit");
  const id = await task(p.id, { name: "plotted run", status: "completed", scalars: { acc: { val: [0.5, 0.7, 0.9] } } });
  await page.goto(`${web()}/reports`);
  await hydrated(page);
  await page.getByTestId("new-report").click();
  const dialog = page.getByRole("dialog", { name: "New report" });
  await expect(dialog.getByLabel("Name")).toBeFocused();
  const name = `findings ${Date.now().toString(36)}`;
  await dialog.getByLabel("Name").fill(name);
  await dialog.getByLabel("Project").selectOption({ label: p.name });
  await dialog.getByLabel("Description").fill("accuracy notes");
  await dialog.getByRole("button", { name: "Create" }).click();

  await expect(page).toHaveURL(/\/reports\/[0-9a-f]+\?edit=1$/);
  const editor = page.getByTestId("report-editor");
  await editor.getByLabel("Text (Markdown)").fill("## Accuracy\n\nIt *rose*.");
  const helper = editor.getByTestId("embed-helper");
  await helper.getByLabel("Task ids").fill(id);
  await helper.getByLabel("Metric").fill("acc");
  await helper.getByRole("button", { name: "Insert chart" }).click();
  await expect(editor.getByLabel("Text (Markdown)")).toHaveValue(new RegExp(`/widgets/\\?type=scalar&objectType=task&objects=${id}&metrics=acc`));
  await editor.getByRole("button", { name: "Preview" }).click();
  const preview = page.getByTestId("report-preview");
  await expect(preview.getByRole("heading", { name: "Accuracy" })).toBeVisible();
  await expect(preview.getByTestId("report-widget")).toHaveCount(1);
  await editor.getByRole("button", { name: "Save" }).click();

  const body = page.getByTestId("report-body");
  await expect(body.locator("em")).toHaveText("rose");
  const plot = body.getByTestId("report-widget").locator(".plot").first();
  await expect.poll(() => plot.evaluate((el: any) => (el.data ?? []).length), { timeout: 20_000 }).toBeGreaterThan(0);
  // Saved for real: the API reads the same text back.
  const stored = await call("reports.get_all_ex", { id: [page.url().split("/").pop()!.split("?")[0]], only_fields: ["report", "comment"] });
  expect(stored.tasks[0].report).toContain("It *rose*.");
  expect(stored.tasks[0].comment).toBe("accuracy notes");

  const actions = page.getByTestId("report-actions");
  await actions.getByRole("button", { name: "Publish" }).click();
  const ask = page.getByRole("dialog", { name: "Publish this report?" });
  await ask.getByRole("button", { name: "Cancel" }).click();
  await expect(ask).toHaveCount(0);
  await expect(page.locator(".task-head")).toContainText("Draft");
  await actions.getByRole("button", { name: "Publish" }).click();
  await page.getByRole("dialog", { name: "Publish this report?" }).getByTestId("confirm").click();
  await expect(page.locator(".task-head")).toContainText("Published");
  await expect(actions.getByRole("button", { name: "Edit" })).toHaveCount(0);

  await actions.getByRole("button", { name: "Archive" }).click();
  await expect(actions.getByRole("button", { name: "Restore" })).toBeVisible();
  await actions.getByRole("button", { name: "Delete" }).click();
  await page.getByRole("dialog", { name: "Delete this report?" }).getByTestId("confirm").click();
  await expect(page).toHaveURL(/\/reports\?archived=1$/);
  await page.getByLabel("Search").fill(name);
  await page.getByRole("button", { name: "Search" }).click();
  await expect(page.getByText("No report matches.")).toBeVisible();
  const left = await call("reports.get_all_ex", { name: `^${name}$` });
  expect(left.tasks).toEqual([]);
});

// A chart's Embed button gives the snippet that draws it in a report.
test("a task chart's embed code draws the same chart in a report", async ({ page }) => {
  const p = await project("report-embed");
  const id = await task(p.id, { name: "embedded run", status: "completed", scalars: { loss: { train: [3, 2, 1] }, lr: { step: [1, 1, 1] } } });
  await page.goto(`${web()}/tasks/${id}?tab=scalars`);
  await hydrated(page);
  await page.locator('[data-testid="scalar-chart"][data-metric="loss"]').getByTestId("embed").click();
  const dialog = page.getByRole("dialog", { name: "Embed in a report" });
  const code = dialog.getByTestId("embed-code");
  await expect(code).toBeFocused();
  const snippet = await code.inputValue();
  expect(snippet).toContain(`/widgets/?type=scalar&objectType=task&objects=${id}&metrics=loss`);
  await page.keyboard.press("Escape");
  await expect(dialog).toHaveCount(0);

  const { id: report } = await call("reports.create", { name: `embed ${Date.now().toString(36)}`, project: p.id, report: `Loss:\n\n${snippet}\n` });
  await page.goto(`${web()}/reports/${report}`);
  await hydrated(page);
  const plot = page.getByTestId("report-widget").locator(".plot");
  await expect(plot).toHaveCount(1);
  await expect.poll(() => plot.evaluate((el: any) => (el.data ?? []).map((t: any) => t.name)), { timeout: 20_000 }).toEqual(["train"]);
});
