import { spawn } from "node:child_process";
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
}
