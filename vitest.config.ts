import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/helpers/global-setup.ts"],
    // After each test: no loopback server saw a request it could not place.
    setupFiles: ["test/helpers/setup-each.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Miniflare (workerd) and s3rver are real processes; two cores here.
    maxWorkers: 2,
    pool: "forks",
  },
});
