import path from "node:path";
import type { Miniflare } from "miniflare";
import type { ApiAccess } from "./clients/cloudflare-api.js";
import type { ClientDeps } from "./clients/deps.js";
import type { LocalRuntime } from "./clients/runtime.js";
import type { D1Client, D1Export, D1Import, D1TimeTravel, RemoteD1Client } from "./clients/d1.js";
import type { KvClient } from "./clients/kv.js";
import type { R2Client, R2Lifecycle, R2MultipartUploads, R2Presigner, RemoteR2Client } from "./clients/r2.js";
import type { AuditPlan } from "./core/audit.js";
import { loadConfig } from "./core/config/load.js";
import { requireD1, requireKv, requireR2 } from "./core/config/require.js";
import { UsageError } from "./core/errors.js";
import type { Config } from "./core/config/types.js";
import type { GlobalOptions } from "./core/global-options.js";
import { Monitor } from "./core/monitor.js";
import type { IO, Output } from "./core/output.js";
import { confirmAction, isInteractive } from "./core/prompt.js";
import { resolveTimeoutMs } from "./core/request-deadline.js";
import { retryPolicyFromEnv } from "./core/retry.js";
import type { TargetKind } from "./core/target.js";

/** Things tests (and only tests) replace. */
export interface RunDeps {
  now?: () => number;
  fetch?: typeof fetch;
}

// What every client adapter gets lives beside the clients (dependencies point down).
export type { ClientDeps };

/**
 * Built once per run: config, target, clients (each created on first use, heavy modules
 * imported only then), output, prompts.
 */
export class Context {
  readonly monitor: Monitor;
  readonly now: () => number;
  readonly timeoutMs: number;
  private configPromise?: Promise<Config>;
  private readonly memo = new Map<string, Promise<unknown>>();
  private announced = false;
  private disposers: Array<() => Promise<void>> = [];

  constructor(
    readonly io: IO,
    readonly out: Output,
    readonly globals: GlobalOptions,
    readonly target: TargetKind,
    /** e.g. "db migrate", for messages and the audit log. */
    readonly command: string,
    readonly signal: AbortSignal,
    private readonly deps: RunDeps = {},
  ) {
    this.now = deps.now ?? Date.now;
    this.timeoutMs = resolveTimeoutMs(globals.timeout, io.env);
    this.monitor = new Monitor(out, retryPolicyFromEnv(io.env), signal);
  }

  /** The audit line a run has committed to: written by the runner however the run ends. */
  pendingAudit?: AuditPlan;

  /** Declares, before a destructive step, what the audit line records if the run fails from here (undefined: nothing). */
  auditing(plan: AuditPlan | undefined): void {
    this.pendingAudit = plan;
  }

  get interactive(): boolean {
    return isInteractive(this.io);
  }

  config(): Promise<Config> {
    this.configPromise ??= loadConfig({
      cwd: this.io.cwd,
      env: this.io.env,
      configPath: this.globals.config,
      envName: this.globals.env,
      persistTo: this.globals.persistTo,
    }).then((config) => {
      for (const secret of [config.credentials.apiToken, config.credentials.r2SecretAccessKey]) {
        this.out.redactor.add(secret);
      }
      this.out.redactor.addCredentialId(config.credentials.r2AccessKeyId);
      return config;
    });
    return this.configPromise;
  }

  /** Asks (or takes --yes); throws where no one can answer, and CancelledError when the answer is no. */
  confirm(question: string, opts: { yes?: boolean; what: string; cancelled?: string }): Promise<boolean> {
    return confirmAction(this.io, question, opts);
  }

  d1(): Promise<D1Client> {
    return this.once("d1", async () => {
      const config = await this.config();
      requireD1(config);
      this.announce(config);
      if (this.target === "local") {
        const { createLocalD1 } = await import("./clients/d1-local.js");
        return createLocalD1({ ...this.clientDeps(config), mf: await this.miniflare() });
      }
      return this.remoteD1();
    });
  }

  // Capabilities: what only one target has. Commands ask for the feature, not for the target;
  // the local target refuses here, synchronously and before anything loads, so a command's
  // input checks and refusals keep their order.

  /** D1 Time Travel; refuses on the local target (by default with the one Time Travel message). */
  timeTravel(
    refusal = () =>
      new UsageError(`kanvas ${this.command} works on the remote database only (Time Travel is a Cloudflare feature; the local Miniflare database has none): use --remote.`, "time_travel_remote_only"),
  ): D1TimeTravel {
    const tt = this.timeTravelIfAny();
    if (!tt) throw refusal();
    return tt;
  }

  /** D1 Time Travel where the target has it (remote), else undefined. */
  timeTravelIfAny(): D1TimeTravel | undefined {
    if (this.target !== "remote") return undefined;
    return { bookmark: async (at) => (await this.remoteD1()).bookmark(at), restore: async (b) => (await this.remoteD1()).restore(b) };
  }

  /** D1's export API where the target has it (remote), else undefined. */
  d1Export(): D1Export | undefined {
    if (this.target !== "remote") return undefined;
    return { exportSql: async (opts) => (await this.remoteD1()).exportSql(opts) };
  }

  /** D1's import API where the target has it (remote), else undefined. */
  async d1Import(): Promise<D1Import | undefined> {
    return this.target === "remote" ? this.remoteD1() : undefined;
  }

  /** Presigned URLs; the local bucket has no S3 endpoint, so it refuses with the command's message. */
  presigner(refusal: () => Error): R2Presigner {
    if (this.target !== "remote") throw refusal();
    return { presign: async (key, opts) => (await this.remoteR2()).presign(key, opts) };
  }

  /** The bucket's lifecycle rules; the local bucket has none, so it refuses with the command's message. */
  r2Lifecycle(refusal: () => Error): R2Lifecycle {
    if (this.target !== "remote") throw refusal();
    return { getLifecycle: async () => (await this.remoteR2()).getLifecycle(), putLifecycle: async (rules) => (await this.remoteR2()).putLifecycle(rules) };
  }

  /** Listing and aborting unfinished multipart uploads where the target can (remote), else undefined. */
  async r2MultipartUploads(): Promise<R2MultipartUploads | undefined> {
    return this.target === "remote" ? this.remoteR2() : undefined;
  }

  private remoteD1(): Promise<RemoteD1Client> {
    return this.once("d1-remote", async () => {
      const config = await this.config();
      requireD1(config);
      this.announce(config);
      const { createRemoteD1 } = await import("./clients/d1-remote.js");
      return createRemoteD1({ ...this.clientDeps(config), api: await this.api() });
    });
  }

  kv(): Promise<KvClient> {
    return this.once("kv", async () => {
      const config = await this.config();
      requireKv(config);
      this.announce(config);
      if (this.target === "local") {
        const { createLocalKv } = await import("./clients/kv-local.js");
        return createLocalKv({ ...this.clientDeps(config), mf: await this.miniflare() });
      }
      const { createRemoteKv } = await import("./clients/kv-remote.js");
      return createRemoteKv({ ...this.clientDeps(config), api: await this.api() });
    });
  }

  r2(): Promise<R2Client> {
    return this.once("r2", async () => {
      const config = await this.config();
      requireR2(config);
      this.announce(config);
      if (this.target === "local") {
        const { createLocalR2 } = await import("./clients/r2-local.js");
        return createLocalR2({ ...this.clientDeps(config), mf: await this.miniflare() });
      }
      return this.remoteR2();
    });
  }

  private remoteR2(): Promise<RemoteR2Client> {
    return this.once("r2-remote", async () => {
      const config = await this.config();
      requireR2(config);
      this.announce(config);
      const { createS3R2 } = await import("./clients/r2-s3.js");
      return createS3R2({ ...this.clientDeps(config), fetch: this.deps.fetch });
    });
  }

  /** The Cloudflare SDK with our credentials (remote only). */
  api(): Promise<ApiAccess> {
    return this.once("api", async () => {
      const config = await this.config();
      this.announce(config);
      const { createCloudflareApi } = await import("./clients/cloudflare-api.js");
      const { processBudget } = await import("./clients/api-budget.js");
      return createCloudflareApi(config, this.out, this.deps.fetch, this.timeoutMs, processBudget(this.out, this.io.env));
    });
  }

  /** One Miniflare per run, shared by the local D1, KV and R2 clients. */
  miniflare(): Promise<Miniflare> {
    return this.once("miniflare", async () => {
      const config = await this.config();
      this.announce(config);
      const runtime = await this.localRuntime();
      const { startMiniflare } = await import("./clients/miniflare.js");
      const mf = await startMiniflare(config, runtime, this.io.cwd);
      this.disposers.push(() => mf.dispose());
      return mf;
    });
  }

  /** Which Miniflare and workerd run the local target (the app's wrangler's, or kanvas's own). */
  localRuntime(): Promise<LocalRuntime> {
    return this.once("runtime", async () => {
      const config = await this.config();
      const { pickRuntime, describeRuntime } = await import("./clients/runtime.js");
      const runtime = pickRuntime(path.dirname(config.configPath));
      this.out.debug(`Local runtime: ${describeRuntime(runtime)}`);
      if (runtime.skipped) this.out.debug(`  (not the app's: ${runtime.skipped})`);
      return runtime;
    });
  }

  /** Releases Miniflare and anything else the run opened; safe to call twice. */
  async dispose(): Promise<void> {
    const disposers = this.disposers.splice(0);
    for (const d of disposers.reverse()) await d().catch(() => undefined);
  }

  onDispose(fn: () => Promise<void>): void {
    this.disposers.push(fn);
  }

  /** Says on stderr, once and before any work, which target this run uses. */
  announce(config: Config): void {
    if (this.announced) return;
    this.announced = true;
    const env = config.envName ? ` [env.${config.envName}]` : "";
    if (this.target === "local") {
      const state = path.relative(this.io.cwd, path.join(config.persistTo, "v3")) || ".";
      this.out.info(this.out.paint("dim", `Target: local${env} — Miniflare state in ${state} (add --remote for Cloudflare)`));
    } else {
      this.out.info(this.out.paint("dim", `Target: remote${env} — Cloudflare account ${config.accountId ?? "(unset)"}`));
    }
  }

  private clientDeps(config: Config): ClientDeps {
    return { config, monitor: this.monitor, out: this.out, signal: this.signal, now: this.now, timeoutMs: this.timeoutMs };
  }

  private once<T>(key: string, make: () => Promise<T>): Promise<T> {
    let p = this.memo.get(key) as Promise<T> | undefined;
    if (!p) {
      p = make();
      this.memo.set(key, p);
    }
    return p;
  }
}
