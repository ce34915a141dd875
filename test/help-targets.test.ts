import { describe, expect, it } from "vitest";
import { tempProject } from "./helpers/project.js";
import { runKanvas } from "./helpers/run-kanvas.js";

/** The option lines of a --help page that mention a flag (wrapped continuation lines included). */
function flagText(help: string, flag: string): string {
  const lines = help.split("\n");
  const i = lines.findIndex((l) => new RegExp(`^\\s+${flag}\\b`).test(l));
  if (i < 0) return "";
  let text = lines[i]!;
  for (let j = i + 1; j < lines.length && /^\s{6,}\S/.test(lines[j]!) && !/^\s+-/.test(lines[j]!); j++) text += " " + lines[j]!.trim();
  return text.replace(/\s+/g, " ");
}

describe("--help tells the truth about targets", () => {
  const r2RemoteOnly = ["images sign", "images cors get", "images cors set", "images lifecycle get", "images lifecycle set", "images lifecycle add"];
  const remoteOnly = ["db restore", "db time-travel info"];
  const r2Both = ["images get", "images head", "images delete", "images list", "images upload", "images cleanup"];

  it("remote-only commands never show --local as the default; R2 ones name the R2 keys, not CLOUDFLARE_API_TOKEN", async () => {
    const p = tempProject();
    for (const cmd of [...r2RemoteOnly, ...remoteOnly, ...r2Both, "db export"]) {
      const r = await runKanvas(`${cmd} --help`, { cwd: p.dir });
      expect(r.code, cmd).toBe(0);
      expect(r.stdout, cmd).toMatch(/Examples:\n {2}\$ kanvas /);
      const local = flagText(r.stdout, "--local");
      const remote = flagText(r.stdout, "--remote");
      if (r2RemoteOnly.includes(cmd) || remoteOnly.includes(cmd)) {
        expect(local, cmd).not.toMatch(/default/);
        expect(local, cmd).toMatch(/not available/);
        expect(remote, cmd).toMatch(/^\s*--remote required:/);
      }
      if (cmd.startsWith("images")) {
        expect(remote, cmd).toMatch(/R2_ACCESS_KEY_ID and R2_SECRET_ACCESS_KEY/);
        expect(remote, cmd).not.toMatch(/CLOUDFLARE_API_TOKEN/);
      }
      if (remoteOnly.includes(cmd)) expect(remote, cmd).toMatch(/CLOUDFLARE_API_TOKEN/);
    }
  });
});
