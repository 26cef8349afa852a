// Stops the harness started by global-setup.ts (it stops its server).
export default async function globalTeardown(): Promise<void> {
  const pid = Number(process.env.LABBOOK_HARNESS_PID);
  if (pid) {
    try {
      process.kill(pid, "SIGTERM");
    } catch {
      // already gone
    }
  }
}
