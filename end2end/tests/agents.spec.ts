import { expect, test } from "@playwright/test";
import { ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { call, hydrated } from "./api";

// Clone → edit → enqueue in the UI, run by a real agent: `labbook agent` and
// the official clearml-agent (venv mode, using the test venv's Python), with
// the real clearml SDK inside the task. Then abort from the UI, and manage
// queues on the queues page.

const web = () => process.env.LABBOOK_WEB_URL!;
const root = path.resolve(__dirname, "..", "..");
const python = process.env.LABBOOK_PYTHON ?? path.join(root, ".venv", "bin", "python");

type Kind = "labbook" | "clearml-agent";

/** Starts an agent taking tasks from `queue`; its output goes to a log file. */
function startAgent(kind: Kind, name: string, queue: string): { proc: ChildProcess; log: string } {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), `labbook-${name}-`));
  const conf = path.join(home, "clearml.conf");
  fs.writeFileSync(conf, "sdk { development { report_use_subprocess: false } }\n");
  const env: NodeJS.ProcessEnv = {
    ...process.env, HOME: home, CLEARML_CONFIG_FILE: conf,
    CLEARML_API_HOST: process.env.LABBOOK_API_URL, CLEARML_WEB_HOST: web(), CLEARML_FILES_HOST: process.env.LABBOOK_FILES_URL,
    CLEARML_API_ACCESS_KEY: process.env.LABBOOK_ACCESS_KEY, CLEARML_API_SECRET_KEY: process.env.LABBOOK_SECRET_KEY,
  };
  let cmd: string;
  let args: string[];
  if (kind === "labbook") {
    cmd = process.env.LABBOOK_BIN ?? path.join(root, "target", "debug", "labbook");
    args = ["agent", "--name", name, "--queue", queue, "--python", python, "--reuse-python",
      "--work-dir", path.join(home, "work"), "--report-interval", "1"];
  } else {
    cmd = path.join(path.dirname(python), "clearml-agent");
    args = ["daemon", "--queue", queue, "--foreground"];
    Object.assign(env, { CLEARML_AGENT_SKIP_PIP_VENV_INSTALL: python, CLEARML_AGENT_SKIP_PYTHON_ENV_INSTALL: "1", CLEARML_WORKER_ID: `${name}:0` });
  }
  const log = path.join(home, "agent.log");
  const out = fs.openSync(log, "a");
  const proc = spawn(cmd, args, { env, cwd: home, stdio: ["ignore", out, out] });
  return { proc, log };
}

async function stopAgent(agent: { proc: ChildProcess }): Promise<void> {
  if (agent.proc.exitCode !== null) return;
  const exited = new Promise((r) => agent.proc.once("exit", r));
  agent.proc.kill("SIGTERM");
  await Promise.race([exited, new Promise((r) => setTimeout(r, 20_000))]);
  if (agent.proc.exitCode === null) agent.proc.kill("SIGKILL");
}

async function newQueue(label: string): Promise<string> {
  const name = `e2e-${label}-${Date.now().toString(36)}`;
  await call("queues.create", { name });
  return name;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const stat = fs.existsSync(`/proc/${pid}/stat`) ? fs.readFileSync(`/proc/${pid}/stat`, "utf8") : "";
  return stat !== "" && stat.split(") ")[1]?.[0] !== "Z";
}

for (const kind of ["labbook", "clearml-agent"] as Kind[]) {
  test(`clone in the UI, edit lr, enqueue: ${kind} runs it with the edited value`, async ({ page }) => {
    test.setTimeout(180_000);
    const queue = await newQueue(kind);
    await page.goto(`${web()}/tasks/${process.env.LABBOOK_TASK_ID}`);
    await hydrated(page);
    await page.locator('.actions [data-action="Clone"]').click();
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel("Name").fill(`rerun on ${kind}`);
    await dialog.getByLabel("Project").fill("e2e/agents");
    await dialog.getByRole("button", { name: "Clone" }).click();
    await expect(page.getByRole("heading", { name: `rerun on ${kind}` })).toBeVisible();
    await expect(page).toHaveURL(/tab=edit/);
    const id = page.url().match(/tasks\/([^?]+)/)![1];
    await page.getByLabel("Value of Args/lr").fill("0.75");
    await page.getByRole("button", { name: "Save" }).click();
    await expect(page.getByRole("status")).toContainText("Saved");
    await page.getByLabel("Queue").selectOption({ label: queue });
    await page.locator('.actions [data-action="Enqueue"]').click();
    await expect(page.locator(".task-head")).toContainText("Pending");

    const agent = startAgent(kind, `ui-${kind}`, queue);
    try {
      await expect.poll(async () => (await call("tasks.get_by_id", { task: id })).task.status, { timeout: 150_000 })
        .toBe("completed");
    } catch (e) {
      throw new Error(`${e}\nAGENT LOG\n${fs.readFileSync(agent.log, "utf8").slice(-3000)}`);
    } finally {
      await stopAgent(agent);
    }
    await page.goto(`${web()}/tasks/${id}`);
    await hydrated(page);
    await expect(page.locator(".task-head")).toContainText("Completed");
    await page.getByRole("tab", { name: "Console" }).click();
    await expect(page.getByTestId("console")).toContainText("training with lr=0.75");
    await expect(page.getByTestId("console")).toContainText("step 99");
    await page.getByRole("tab", { name: "Scalars" }).click();
    const chart = page.locator('[data-testid="scalar-chart"][data-metric="loss"]');
    await expect(chart.locator(".js-plotly-plot .scatterlayer .trace path.js-line")).toHaveCount(1, { timeout: 20_000 });
  });
}

const SLOW = `import os, time
print(f"slow task pid={os.getpid()}", flush=True)
for i in range(100000):
    print(f"tick {i}", flush=True)
    time.sleep(0.2)
`;

test("abort from the UI stops the agent's process within 10 s; the workers page shows the worker and its task", async ({ page }) => {
  test.setTimeout(120_000);
  const queue = await newQueue("abort");
  const { id } = await call("tasks.create", { name: "slow task", type: "training" });
  await call("tasks.edit", { task: id, script: { entry_point: "slow.py", diff: SLOW, working_dir: "." } });
  await call("tasks.enqueue", { task: id, queue_name: queue });
  const agent = startAgent("labbook", "ui-abort", queue);
  try {
    await page.goto(`${web()}/workers`);
    await hydrated(page);
    const row = page.getByTestId("worker").filter({ hasText: "ui-abort:0" });
    await expect(row.getByTestId("worker-task")).toContainText("slow task", { timeout: 30_000 });
    await expect(row).toContainText(queue);

    await row.getByRole("link", { name: "slow task" }).click();
    await expect(page.getByRole("heading", { name: "slow task" })).toBeVisible();
    await hydrated(page);
    await page.getByRole("tab", { name: "Console" }).click();
    await expect(page.getByTestId("console")).toContainText("tick 2", { timeout: 30_000 });
    const text = await page.getByTestId("console").innerText();
    const pid = Number(text.match(/pid=(\d+)/)![1]);
    expect(alive(pid)).toBe(true);
    await page.locator('.actions [data-action="Abort"]').click();
    await page.getByRole("dialog", { name: "Abort this task?" }).getByRole("button", { name: "Abort" }).click();
    const asked = Date.now();
    await expect.poll(() => alive(pid), { timeout: 10_000 }).toBe(false);
    await expect.poll(async () => (await call("tasks.get_by_id", { task: id })).task.status, { timeout: 10_000 })
      .toBe("stopped");
    expect(Date.now() - asked).toBeLessThanOrEqual(10_000);
    await page.reload();
    await expect(page.locator(".task-head")).toContainText("Aborted");
  } finally {
    await stopAgent(agent);
  }
});

test("the queues page creates, reorders, moves, removes, renames and deletes", async ({ page }) => {
  const name = `e2e-manage-${Date.now().toString(36)}`;
  await page.goto(`${web()}/queues`);
  await hydrated(page);
  await page.getByRole("form", { name: "new queue" }).getByPlaceholder("name").fill(name);
  await page.getByRole("button", { name: "Create" }).click();
  const card = page.locator(`[data-testid="queue"][data-name="${name}"]`);
  await expect(card).toContainText("No task waits");
  const q = (await call("queues.get_all", { name: `^${name}$` })).queues[0].id;
  const ids: string[] = [];
  for (const n of ["first", "second", "third"]) {
    const { id } = await call("tasks.create", { name: `queued ${n}` });
    await call("tasks.enqueue", { task: id, queue: q });
    ids.push(id);
  }
  const order = async () => (await call("queues.get_by_id", { queue: q })).queue.entries.map((e: any) => e.task);
  await page.reload();
  await hydrated(page);
  await expect(card.getByTestId("queue-stats")).toContainText("3 waiting");
  const row = (n: string) => card.getByTestId("queued-task").filter({ hasText: `queued ${n}` });
  await row("third").getByRole("button", { name: "Top" }).click();
  await expect(card.getByTestId("queued-task").first()).toContainText("queued third");
  expect(await order()).toEqual([ids[2], ids[0], ids[1]]);
  await row("third").getByRole("button", { name: "Down" }).click();
  await expect(card.getByTestId("queued-task").first()).toContainText("queued first");
  expect(await order()).toEqual([ids[0], ids[2], ids[1]]);
  await row("first").getByRole("button", { name: "Remove" }).click();
  await expect(card.getByTestId("queued-task")).toHaveCount(2);
  expect((await call("tasks.get_by_id", { task: ids[0] })).task.status).toBe("created");
  await row("second").getByLabel("move to queue").selectOption({ label: "default" });
  await expect(card.getByTestId("queued-task")).toHaveCount(1);
  expect((await call("tasks.get_by_id", { task: ids[1] })).task.execution.queue)
    .toBe((await call("queues.get_default", {})).id);
  await call("tasks.dequeue", { task: ids[1] });

  await card.getByLabel("queue name").fill(`${name}-renamed`);
  await card.getByRole("button", { name: "Rename" }).click();
  const renamed = page.locator(`[data-testid="queue"][data-name="${name}-renamed"]`);
  await expect(renamed).toBeVisible();
  await renamed.getByRole("button", { name: "Delete" }).click();
  const ask = page.getByRole("dialog", { name: `Delete queue ${name}-renamed?` });
  await expect(ask).toContainText("The task waiting in it goes back to draft.");
  await ask.getByRole("button", { name: "Cancel" }).click();
  await expect(renamed).toBeVisible();
  await renamed.getByRole("button", { name: "Delete" }).click();
  await ask.getByRole("button", { name: "Delete queue" }).click();
  await expect(renamed).toHaveCount(0);
  expect((await call("tasks.get_by_id", { task: ids[2] })).task.status).toBe("created");
});
