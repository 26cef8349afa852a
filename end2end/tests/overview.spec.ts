import { expect, test } from "@playwright/test";
import { hydrated, project, task } from "./api";

const web = () => process.env.LABBOOK_WEB_URL!;

test("a project's overview counts its tasks by state, names its last activity and snapshots a metric", async ({ page }) => {
  const p = await project("overview");
  await task(p.id, { name: "first", status: "completed", scalars: { loss: { total: [0.9, 0.5] }, acc: { val: [0.2] } } });
  await task(p.id, { name: "second", status: "completed", scalars: { loss: { total: [0.8, 0.3] } } });
  await task(p.id, { name: "broken", status: "failed", scalars: { loss: { total: [1.5] } } });
  await task(p.id, { name: "latest draft" });
  await page.goto(`${web()}/projects/${p.id}`);
  await hydrated(page);

  const overview = page.getByTestId("project-overview");
  await expect(overview).toContainText("4 active tasks");
  await expect(overview.locator('[data-state="completed"] .count')).toHaveText("2");
  await expect(overview.locator('[data-state="failed"] .count')).toHaveText("1");
  await expect(overview.locator('[data-state="draft"] .count')).toHaveText("1");
  await expect(page.getByTestId("last-activity")).toContainText("latest draft");

  // The snapshot: the first metric (acc / val) in the one task reporting it;
  // loss / total in three, oldest first.
  const snapshot = page.getByTestId("metric-snapshot");
  await expect(snapshot).toHaveAttribute("data-points", "1");
  await page.getByLabel("Snapshot metric").selectOption({ label: "loss / total" });
  await expect(snapshot).toHaveAttribute("data-points", "3");
  const ys = () => snapshot.locator(".js-plotly-plot").evaluate((el: any) => el.data[0].y);
  await expect.poll(ys).toEqual([0.5, 0.3, 1.5]);

  // A state's count filters the table.
  await overview.locator('[data-state="completed"] a').click();
  await expect(page).toHaveURL(/status=/);
  await expect(page.getByTestId("task-row")).toHaveCount(2);
  // The overview stays as it was (filters do not change it), and it folds.
  await expect(overview.locator('[data-state="failed"] .count')).toHaveText("1");
  await overview.locator("summary").click();
  await page.reload();
  await hydrated(page);
  await expect(page.getByTestId("project-overview")).not.toHaveAttribute("open", "");
});
