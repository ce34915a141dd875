import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Context } from "../context.js";
import { ExitCode, exitCodeOf } from "../core/errors.js";
import { defineCommand } from "./define.js";
import { target } from "./spec/shared.js";

interface Check {
  name: string;
  ok: boolean;
  detail: string;
  ms: number;
}

export default defineCommand({
  description: "check that kanvas can reach everything it needs",
  examples: ["kanvas doctor", "kanvas doctor --remote --env production", "kanvas doctor --remote --json"],
  notes: "Local: which Miniflare and workerd run (the app's wrangler's when it can run on this Node, else kanvas's own), Miniflare starts, the state folder is writable, D1/KV/R2 open.\nRemote: the token verifies, the account answers, the D1 database, KV namespace and R2 bucket exist.",
  flags: target,
  access: "read",
  async run(_input, ctx) {
    const checks: Check[] = [];
    let firstFailure: number = ExitCode.ok;
    const check = async (name: string, fn: () => Promise<string>) => {
      const started = performance.now();
      try {
        const detail = await fn();
        checks.push({ name, ok: true, detail, ms: Math.round(performance.now() - started) });
      } catch (error) {
        if (firstFailure === ExitCode.ok) firstFailure = exitCodeOf(error) === ExitCode.ok ? ExitCode.unexpected : exitCodeOf(error);
        checks.push({ name, ok: false, detail: (error as Error).message, ms: Math.round(performance.now() - started) });
      }
    };

    await check("config", async () => {
      const config = await ctx.config();
      return path.relative(ctx.io.cwd, config.configPath) || config.configPath;
    });
    if (checks[0]?.ok) {
      if (ctx.target === "local") await localChecks(ctx, check);
      else await remoteChecks(ctx, check);
    }

    const ok = firstFailure === ExitCode.ok;
    const human = () => {
      for (const c of checks) {
        const mark = c.ok ? ctx.out.paint("green", "✔") : ctx.out.paint("red", "✘");
        ctx.out.println(`${mark} ${c.name.padEnd(22)} ${c.detail} ${ctx.out.paint("dim", `(${c.ms} ms)`)}`);
      }
      ctx.out.println(ok ? "All checks passed." : `${checks.filter((c) => !c.ok).length} check(s) failed.`);
    };
    return { data: { ok, checks }, human, exitCode: firstFailure };
  },
});

type CheckFn = (name: string, fn: () => Promise<string>) => Promise<void>;

async function localChecks(ctx: Context, check: CheckFn): Promise<void> {
  const config = await ctx.config();
  const state = path.join(config.persistTo, "v3");
  await check("state folder writable", async () => {
    mkdirSync(state, { recursive: true });
    const probe = path.join(state, `.kanvas-doctor-${process.pid}`);
    writeFileSync(probe, "");
    rmSync(probe);
    return path.relative(ctx.io.cwd, state) || state;
  });
  await check("local runtime", async () => {
    const { describeRuntime } = await import("../clients/runtime.js");
    const picked = await ctx.localRuntime();
    return describeRuntime(picked) + (picked.skipped ? ` (not the app's: ${picked.skipped})` : "");
  });
  await check("miniflare starts", async () => {
    await ctx.miniflare();
    return "workerd running";
  });
  if (config.d1) await check("D1 KANVAS_DB", async () => (await ctx.d1()).check());
  if (config.kv) await check("KV KANVAS_CACHE", async () => (await ctx.kv()).check());
  if (config.r2) await check("R2 KANVAS_IMAGES", async () => (await ctx.r2()).check());
}

async function remoteChecks(ctx: Context, check: CheckFn): Promise<void> {
  const config = await ctx.config();
  const { verifyToken } = await import("../clients/account.js");
  let token: { kind: "account" | "user" } | undefined;
  await check("API token", async () => {
    const result = await verifyToken(await ctx.api(), ctx.monitor);
    token = result;
    return result.detail;
  });
  if (!token) return;
  // An account-owned token verified on the account's own endpoint; a user token reaches the
  // account through the binding checks below.
  if (token.kind === "account") await check("account", async () => `account ${(await ctx.api()).accountId}`);
  if (config.d1) await check("D1 KANVAS_DB", async () => (await ctx.d1()).check());
  if (config.kv) await check("KV KANVAS_CACHE", async () => (await ctx.kv()).check());
  if (config.r2) await check("R2 KANVAS_IMAGES", async () => (await ctx.r2()).check());
}
