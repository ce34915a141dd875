/** Issue 10 §2: --persist-to with --remote is refused (it would be silently ignored), before any work. */
import { describe, expect, it } from "vitest";
import { tempProject } from "./helpers/project.js";
import { runKanvas } from "./helpers/run-kanvas.js";

describe("--persist-to with --remote", () => {
  for (const cmd of [["cache", "list"], ["db", "query", "SELECT 1"], ["images", "list"]]) {
    it(`${cmd.join(" ")}: exit 2, one line naming both flags and the fix, nothing on stdout`, async () => {
      const p = tempProject({ migrations: false });
      const r = await runKanvas([...cmd, "--remote", "--persist-to", "state"], { cwd: p.dir, env: { CLOUDFLARE_API_TOKEN: "x", CLOUDFLARE_ACCOUNT_ID: "a" } });
      expect(r.code).toBe(2);
      expect(r.stdout).toBe("");
      const lines = r.stderr.trim().split("\n");
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/--persist-to state .*--remote.*drop --persist-to, or use --local/);
    });
  }

  it("--json gives the usage envelope; --local with --persist-to still runs", async () => {
    const p = tempProject({ migrations: false });
    const r = await runKanvas(["cache", "list", "--remote", "--persist-to", "state", "--json"], { cwd: p.dir });
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout).error.code).toBe("persist_to_remote");
    const local = await runKanvas(["config", "show", "--local", "--persist-to", "state", "--json"], { cwd: p.dir });
    expect(local.code, local.stderr).toBe(0);
  });
});
