import { describe, expect, it } from "vitest";
import { tempProject } from "./helpers/project.js";
import { runKanvas, spawnKanvas } from "./helpers/run-kanvas.js";

describe("kanvas CLI", () => {
  it("prints its version and exits 0 (spawned launcher)", async () => {
    const p = tempProject();
    const r = await spawnKanvas("--version", { cwd: p.dir }).done;
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it("lists the command groups in --help", async () => {
    const p = tempProject();
    const r = await runKanvas("--help", { cwd: p.dir });
    expect(r.code).toBe(0);
    for (const group of ["db", "images", "cache", "config", "doctor"]) expect(r.stdout).toContain(group);
  });

  it("suggests the right command and exits 2 for a typo", async () => {
    const p = tempProject();
    const r = await runKanvas("db migrat", { cwd: p.dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown command 'migrat'");
    expect(r.stderr).toContain("Did you mean migrate?");
  });

  it("exits 2 with a hint for an unknown flag", async () => {
    const p = tempProject();
    const r = await runKanvas("config show --jsn", { cwd: p.dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown option '--jsn'");
    expect(r.stderr).toContain("Did you mean --json?");
  });

  it("gives every leaf command a description and an example in --help", async () => {
    const p = tempProject();
    const leaves = [
      "db migrate", "db migrate status", "db migrate create", "db query", "db restore",
      "images upload", "images sign", "images cleanup", "images list", "images cors get", "images cors set",
      "cache get", "cache put", "cache list", "cache delete",
      "cache ratelimit status", "cache ratelimit hit", "cache ratelimit reset", "cache ratelimit top",
      "config show", "doctor",
    ];
    for (const leaf of leaves) {
      const r = await runKanvas(`${leaf} --help`, { cwd: p.dir });
      expect(r.code, leaf).toBe(0);
      expect(r.stdout, leaf).toMatch(/Examples:\n {2}\$ kanvas /);
      expect(r.stdout, leaf).toContain("--json");
    }
  });
});
