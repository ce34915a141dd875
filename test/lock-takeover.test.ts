import { hostname } from "node:os";
import { describe, expect, it } from "vitest";
import { tempProject } from "./helpers/project.js";
import { runKanvas } from "./helpers/run-kanvas.js";

// A lock left by a run on this host whose process is gone (kill -9, a crash) is taken over at
// once, with a line saying so; a lock held from another host still waits. Local target (Miniflare).

/** A pid no process has: above Linux's pid_max. */
const DEAD_PID = 4_194_304 + 12_345;
const ALIVE_PID = process.pid; // the test runner itself: alive, and not the CLI's own pid check

describe("a dead holder on this host is taken over at once", () => {
  it("db migrate: takes over the migration lock, applies, releases", async () => {
    const p = tempProject();
    const create = "CREATE TABLE IF NOT EXISTS kanvas_migrations_lock(id INTEGER PRIMARY KEY CHECK (id = 1), holder TEXT NOT NULL, acquired_at INTEGER NOT NULL, expires_at INTEGER NOT NULL)";
    const holder = `${hostname()}:${DEAD_PID}:abcdef kanvas db migrate`;
    const future = Date.now() + 3_600_000;
    expect((await runKanvas(["db", "query", `${create}; INSERT INTO kanvas_migrations_lock VALUES (1, '${holder}', ${Date.now()}, ${future})`, "--yes"], { cwd: p.dir })).code).toBe(0);
    const r = await runKanvas("db migrate --lock-timeout 1s", { cwd: p.dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`Taking over the migration lock from ${holder}: process ${DEAD_PID} on this host is gone.`);
    expect(r.stderr).not.toContain("Waiting for the migration lock");
    const left = await runKanvas(["db", "query", "SELECT count(*) AS n FROM kanvas_migrations_lock", "--json"], { cwd: p.dir });
    expect(JSON.parse(left.stdout)).toEqual([{ n: 0 }]);
  });

  it("images cleanup: takes over a dead holder; waits for a live one (then exit 5); --force-unlock removes it", async () => {
    const p = tempProject();
    const create = "CREATE TABLE IF NOT EXISTS kanvas_locks (name TEXT PRIMARY KEY, holder TEXT NOT NULL, acquired_at INTEGER NOT NULL, expires_at INTEGER NOT NULL)";
    const seed = async (pid: number, host = hostname()) => {
      const holder = `${host}:${pid}:abcdef kanvas images cleanup`;
      const sql = `${create}; DELETE FROM kanvas_locks; INSERT INTO kanvas_locks VALUES ('images cleanup kanvas-images', '${holder}', ${Date.now()}, ${Date.now() + 3_600_000})`;
      expect((await runKanvas(["db", "query", sql, "--yes"], { cwd: p.dir })).code).toBe(0);
      return holder;
    };
    expect((await runKanvas("db migrate", { cwd: p.dir })).code).toBe(0);

    const dead = await seed(DEAD_PID);
    const r = await runKanvas("images cleanup --older-than 30d --yes --lock-timeout 1s", { cwd: p.dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`Taking over the images cleanup kanvas-images lock from ${dead}: process ${DEAD_PID} on this host is gone.`);

    // A live holder (this host) and one from another host are waited for, never taken over.
    for (const [pid, host] of [[ALIVE_PID, hostname()], [DEAD_PID, "some-other-host"]] as const) {
      const holder = await seed(pid, host);
      const w = await runKanvas("images cleanup --older-than 30d --yes --lock-timeout 1s", { cwd: p.dir });
      expect(w.code).toBe(5);
      expect(w.stderr).toContain(`another run holds the images cleanup kanvas-images lock (${holder}`);
      expect(w.stderr).not.toContain("Taking over");
      expect(w.stderr).toContain("if that run is gone, run the same command with --force-unlock.");
    }

    const dry = await runKanvas("images cleanup --force-unlock --dry-run", { cwd: p.dir });
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/^Would remove the cleanup lock of kanvas-images held by some-other-host:/);
    const u = await runKanvas("images cleanup --force-unlock --json", { cwd: p.dir });
    expect(u.code).toBe(0);
    expect(JSON.parse(u.stdout)).toMatchObject({ bucket: "kanvas-images", removed: { holder: expect.stringMatching(/^some-other-host:/) }, dryRun: false });
    const again = await runKanvas("images cleanup --force-unlock", { cwd: p.dir });
    expect(again.stdout).toBe("No cleanup lock of kanvas-images is held.\n");
    // Without --force-unlock, --older-than is still required.
    const missing = await runKanvas("images cleanup --yes", { cwd: p.dir });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("--older-than: required: how old an object must be to go");
  }, 180_000);
});
