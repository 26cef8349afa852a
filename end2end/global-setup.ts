import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import * as readline from "node:readline";

// Starts `labbook serve` and runs the walking-skeleton script with the real
// clearml SDK (tests/sdk/harness.py), then hands the URLs to the tests.
export default async function globalSetup(): Promise<void> {
  const root = path.resolve(__dirname, "..");
  const python = process.env.LABBOOK_PYTHON ?? path.join(root, ".venv", "bin", "python");
  const child = spawn(python, [path.join(root, "tests", "sdk", "harness.py"), "serve-and-seed"], {
    cwd: root,
    stdio: ["ignore", "pipe", "inherit"],
  });
  (globalThis as any).__labbookHarness = child;
  process.env.LABBOOK_HARNESS_PID = String(child.pid);
  const lines = readline.createInterface({ input: child.stdout! });
  const info = await new Promise<{ web_url: string; task_id: string; report_task_id: string; artifact_task_id: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("harness did not get ready in 240 s")), 240_000);
    child.on("exit", (code) => reject(new Error(`harness exited with ${code}`)));
    lines.on("line", (line) => {
      if (line.startsWith("{")) {
        clearTimeout(timer);
        resolve(JSON.parse(line));
      }
    });
  });
  process.env.LABBOOK_WEB_URL = info.web_url;
  process.env.LABBOOK_API_URL = (info as any).api_url;
  process.env.LABBOOK_FILES_URL = (info as any).files_url;
  process.env.LABBOOK_TASK_ID = info.task_id;
  process.env.LABBOOK_REPORT_TASK_ID = info.report_task_id;
  process.env.LABBOOK_ARTIFACT_TASK_ID = info.artifact_task_id;
  process.env.LABBOOK_ACCESS_KEY = (info as any).access_key;
  process.env.LABBOOK_SECRET_KEY = (info as any).secret_key;
  process.env.LABBOOK_ADMIN_LOGIN = (info as any).admin_login;
  process.env.LABBOOK_ADMIN_PASSWORD = (info as any).admin_password;
  // Every test starts signed in as the admin (the sign-in form, as a browser posts it).
  const session = await signIn(info.web_url, (info as any).admin_login, (info as any).admin_password);
  const url = new URL(info.web_url);
  fs.mkdirSync(path.dirname(STORAGE_STATE), { recursive: true });
  fs.writeFileSync(STORAGE_STATE, JSON.stringify({
    cookies: [{ name: "labbook_session", value: session, domain: url.hostname, path: "/", expires: -1,
      httpOnly: true, secure: false, sameSite: "Lax" }],
    origins: [],
  }));
}

/** Where the admin's signed-in browser state is kept for the tests. */
export const STORAGE_STATE = path.join(__dirname, ".auth", "admin.json");

/** Signs in on the sign-in form; answers the session cookie's value. */
export async function signIn(web: string, login: string, password: string): Promise<string> {
  const r = await fetch(`${web}/login`, {
    method: "POST",
    redirect: "manual",
    headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: web },
    body: new URLSearchParams({ login, password, next: "/" }).toString(),
  });
  const cookie = (r.headers.get("set-cookie") ?? "").match(/labbook_session=([^;]+)/);
  if (r.status !== 303 || !cookie) throw new Error(`sign-in failed: ${r.status} ${await r.text()}`);
  return cookie[1];
}
