// Seeds data through Labbook's ClearML REST API (the HTTP shapes the SDK
// sends), never by writing to the database.

const web = () => process.env.LABBOOK_WEB_URL!;
let token: string | undefined;

async function login(): Promise<string> {
  if (token) return token;
  const basic = Buffer.from(`${process.env.LABBOOK_ACCESS_KEY}:${process.env.LABBOOK_SECRET_KEY}`).toString("base64");
  const r = await fetch(`${web()}/api/auth.login`, { method: "POST", headers: { Authorization: `Basic ${basic}` } });
  const body = await r.json();
  token = body.data.token as string;
  return token;
}

/** Calls an endpoint and returns `data`; throws with the server's message on an error. */
export async function call(endpoint: string, body: Record<string, unknown> = {}): Promise<any> {
  const r = await fetch(`${web()}/api/${endpoint}`, {
    method: "POST",
    headers: { Authorization: `Bearer ${await login()}`, "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  const out = await r.json();
  if (r.status !== 200) throw new Error(`${endpoint}: ${r.status} ${out.meta?.result_msg}`);
  return out.data;
}

/** A project with a unique name under `e2e/`. */
export async function project(label: string): Promise<{ id: string; name: string }> {
  const name = `e2e/${label}-${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
  const { id } = await call("projects.create", { name, description: "" });
  return { id, name };
}

export interface Seed {
  name: string;
  tags?: string[];
  /** Final status: created (draft), completed, failed or in_progress. */
  status?: "created" | "completed" | "failed" | "in_progress";
  hyperparams?: Record<string, Record<string, { value: string; type?: string }>>;
  configuration?: Record<string, { value: string; type?: string }>;
  /** Scalars: metric -> variant -> values by iteration. */
  scalars?: Record<string, Record<string, number[]>>;
  comment?: string;
}

/** Creates a task the way the SDK does and walks it to its status. */
export async function task(projectId: string, s: Seed): Promise<string> {
  const hyperparams: any = {};
  for (const [section, params] of Object.entries(s.hyperparams ?? {})) {
    hyperparams[section] = {};
    for (const [name, p] of Object.entries(params)) hyperparams[section][name] = { section, name, ...p };
  }
  const configuration: any = {};
  for (const [name, c] of Object.entries(s.configuration ?? {})) configuration[name] = { name, ...c };
  const { id } = await call("tasks.create", {
    name: s.name, project: projectId, type: "training", tags: s.tags ?? [], comment: s.comment ?? "",
    hyperparams, configuration,
    script: { repository: "https://example.com/repo.git", branch: "main", version_num: "abc123", entry_point: "train.py", working_dir: "." },
  });
  const status = s.status ?? "created";
  if (status !== "created") await call("tasks.started", { task: id });
  const lines: string[] = [];
  for (const [metric, variants] of Object.entries(s.scalars ?? {})) {
    for (const [variant, values] of Object.entries(variants)) {
      values.forEach((value, iter) =>
        lines.push(JSON.stringify({ type: "training_stats_scalar", task: id, metric, variant, value, iter, timestamp: Date.now() })));
    }
  }
  if (lines.length) {
    const r = await fetch(`${web()}/api/events.add_batch`, {
      method: "POST", headers: { Authorization: `Bearer ${await login()}` }, body: lines.join("\n"),
    });
    if (r.status !== 200) throw new Error(`events.add_batch: ${r.status}`);
  }
  if (status === "completed") await call("tasks.completed", { task: id });
  if (status === "failed") await call("tasks.failed", { task: id });
  return id;
}

/** Waits until the page's WASM has hydrated (its controls work from then on). */
export async function hydrated(page: import("@playwright/test").Page): Promise<void> {
  await page.locator("body[data-hydrated=true]").waitFor({ timeout: 20_000 });
}

/** Stores a file on the fileserver the way the SDK uploads one; answers its URL. */
export async function upload(path: string, bytes: Uint8Array, type: string): Promise<string> {
  const form = new FormData();
  form.append(path, new Blob([bytes], { type }), path.split("/").pop());
  const r = await fetch(`${web()}/files/`, { method: "POST", headers: { Authorization: `Bearer ${await login()}` }, body: form });
  if (r.status !== 200) throw new Error(`upload ${path}: ${r.status} ${await r.text()}`);
  return `${web()}/files/${path}`;
}

/** Reports events (debug samples, plots) in one batch, as the SDK does. */
export async function events(lines: Record<string, unknown>[]): Promise<void> {
  const r = await fetch(`${web()}/api/events.add_batch`, {
    method: "POST", headers: { Authorization: `Bearer ${await login()}` }, body: lines.map((l) => JSON.stringify(l)).join("\n"),
  });
  if (r.status !== 200) throw new Error(`events.add_batch: ${r.status}`);
}
