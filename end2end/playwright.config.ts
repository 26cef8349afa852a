import { defineConfig } from "@playwright/test";
import * as path from "node:path";

// Debian's Chromium (installed by scripts/setup.sh); Playwright's own browser
// download does not work on these machines.
export default defineConfig({
  testDir: "./tests",
  timeout: 60_000,
  retries: 0,
  workers: 1,
  reporter: [["list"]],
  globalSetup: "./global-setup.ts",
  globalTeardown: "./global-teardown.ts",
  use: {
    browserName: "chromium",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
      ],
    },
    trace: "off",
    // Signed in as the admin (written by global-setup.ts).
    storageState: path.join(__dirname, ".auth", "admin.json"),
  },
});
