import { expect, test, type Browser, type Page } from "@playwright/test";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { hydrated } from "./api";

const web = () => process.env.LABBOOK_WEB_URL!;
const unique = () => `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;

/** A browser context with nobody signed in. */
async function anonymous(browser: Browser): Promise<Page> {
  const context = await browser.newContext({ storageState: { cookies: [], origins: [] } });
  return context.newPage();
}

/** Signs in on the sign-in page. */
async function signIn(page: Page, login: string, password: string): Promise<void> {
  await page.goto(web() + "/tasks");
  await expect(page).toHaveURL(/\/login\?next=/);
  await page.getByLabel("Login").fill(login);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/tasks$/);
}

/** Makes a user on the Users page (as the admin); answers their one-time password. */
async function addUser(page: Page, login: string, name: string, role: string): Promise<string> {
  await page.goto(web() + "/users");
  // The form submits through the app: wait until it is hydrated.
  await hydrated(page);
  const form = page.getByRole("form", { name: "new user" });
  await form.getByLabel("Login").fill(login);
  await form.getByLabel("Display name").fill(name);
  await form.getByLabel("Role").selectOption(role);
  await form.getByRole("button", { name: "Add user" }).click();
  const message = page.getByTestId("user-message");
  await expect(message).toContainText(`Made ${login}`);
  const password = (await message.textContent())!.split(": ").pop()!.trim();
  expect(password.length).toBeGreaterThanOrEqual(10);
  return password;
}

test("a member signs in, makes a key in Settings, and the SDK's task shows their name", async ({ page, browser }) => {
  test.setTimeout(180_000);
  const login = `mia${unique()}`;
  const password = await addUser(page, login, "Mia Member", "member");

  const mine = await anonymous(browser);
  await signIn(mine, login, password);
  await expect(mine.getByRole("link", { name: "Mia Member" })).toBeVisible();
  await mine.getByRole("link", { name: "Mia Member" }).click();
  await expect(mine.getByRole("heading", { name: "Settings" })).toBeVisible();
  await mine.getByRole("button", { name: "Create new key" }).click();
  const access = (await mine.getByTestId("access-key").textContent())!.trim();
  const secret = (await mine.getByTestId("secret-key").textContent())!.trim();
  await expect(mine.getByTestId("clearml-conf")).toContainText(access);
  await expect(mine.getByTestId("exports")).toContainText(`CLEARML_API_SECRET_KEY=${secret}`);
  // Listed without its secret.
  const row = mine.locator(`tr[data-key="${access}"]`);
  await expect(row).toBeVisible();
  await expect(mine.getByRole("table", { name: "keys" })).not.toContainText(secret);

  // The real SDK runs with the key, configured from the exports shown.
  const env: Record<string, string> = { ...process.env } as any;
  for (const line of (await mine.getByTestId("exports").textContent())!.split("\n")) {
    const m = line.match(/^export (\w+)=(.*)$/);
    if (m) env[m[1]] = m[2];
  }
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "labbook-e2e-key-"));
  fs.writeFileSync(path.join(home, "clearml.conf"), "sdk { development { report_use_subprocess: false } }\n");
  Object.assign(env, { HOME: home, CLEARML_CONFIG_FILE: path.join(home, "clearml.conf") });
  const name = `made with a settings key ${unique()}`;
  const script = `from clearml import Task\nt = Task.init(project_name="e2e/keys", task_name=${JSON.stringify(name)}, auto_connect_frameworks=False)\nt.get_logger().report_scalar("loss", "train", 0.5, 0)\nt.close()\n`;
  const python = process.env.LABBOOK_PYTHON ?? path.join(__dirname, "..", "..", ".venv", "bin", "python");
  const run = spawnSync(python, ["-c", script], { cwd: home, env, encoding: "utf8", timeout: 120_000 });
  expect(run.status, run.stderr).toBe(0);

  await mine.goto(web() + "/tasks?q=" + encodeURIComponent(name));
  const task = mine.getByTestId("task-row").filter({ hasText: name });
  await expect(task).toContainText("Mia Member");
  // "My tasks" shows it too.
  await mine.getByRole("link", { name: "My tasks" }).click();
  await expect(mine.getByTestId("task-row").filter({ hasText: name })).toHaveCount(1);

  // Revoked in Settings: the key logs in no more.
  await mine.goto(web() + "/settings");
  await mine.locator(`tr[data-key="${access}"]`).getByRole("button", { name: "Revoke" }).click();
  await expect(mine.locator(`tr[data-key="${access}"]`)).toHaveCount(0);
  const basic = Buffer.from(`${access}:${secret}`).toString("base64");
  const refused = await fetch(`${web()}/api/auth.login`, { method: "POST", headers: { Authorization: `Basic ${basic}` } });
  expect(refused.status).toBe(401);

  // Signing out ends the session.
  await mine.getByRole("button", { name: "Sign out", exact: true }).click();
  await expect(mine).toHaveURL(/\/login$/);
  await mine.goto(web() + "/settings");
  await expect(mine).toHaveURL(/\/login\?next=/);
});

test("a viewer sees no mutating buttons and a forged request is refused", async ({ page, browser }) => {
  const login = `vic${unique()}`;
  const password = await addUser(page, login, "Vic Viewer", "viewer");
  const viewer = await anonymous(browser);
  await signIn(viewer, login, password);
  const errors: string[] = [];
  viewer.on("pageerror", (e) => errors.push(e.message));

  await viewer.goto(web() + `/tasks/${process.env.LABBOOK_TASK_ID}`);
  await expect(viewer.getByRole("heading", { name: "first run" })).toBeVisible();
  await expect(viewer.locator("[data-action]")).toHaveCount(0);
  await expect(viewer.getByRole("tab", { name: "Edit" })).toHaveCount(0);
  await viewer.goto(web() + "/tasks");
  await expect(viewer.getByRole("link", { name: "New task" })).toHaveCount(0);
  await viewer.goto(web() + "/queues");
  await expect(viewer.getByRole("form", { name: "new queue" })).toHaveCount(0);
  await expect(viewer.getByRole("link", { name: "Users" })).toHaveCount(0);

  // Forged from the viewer's own page: refused by role.
  const status = await viewer.evaluate(async () => {
    const r = await fetch("/rpc/create_project", {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: "name=forged-by-viewer",
    });
    return r.status;
  });
  expect(status).toBe(403);
  // Forged from another site with the admin's cookie: refused as cross-site.
  const cookies = await page.context().cookies();
  const session = cookies.find((c) => c.name === "labbook_session")!.value;
  const forged = await fetch(`${web()}/rpc/create_project`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: "http://evil.example", Cookie: `labbook_session=${session}` },
    body: "name=forged-cross-site",
  });
  expect(forged.status).toBe(403);
  expect(errors).toEqual([]);
});
