import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/helpers/global-setup.ts"],
    // After each test: no loopback server saw a request it could not place.
    setupFiles: ["test/helpers/setup-each.ts"],
    // Ceilings, not assertions: a test waits for events, and these only end one that never comes.
    // Generous, since CI and developers share 2 cores with other suites (a 20 s test takes 70+ s
    // at load 14); a speed target is a benchmark, not a timeout.
    testTimeout: 180_000,
    hookTimeout: 180_000,
    // Miniflare (workerd) and s3rver are real processes; two cores here.
    maxWorkers: 2,
    pool: "forks",
  },
});
