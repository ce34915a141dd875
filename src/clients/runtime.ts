import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { Miniflare, MiniflareOptions } from "miniflare";

/**
 * Which Miniflare (and so which workerd) runs the local target. The rule, in order:
 *  1. the app's own: `wrangler` resolved from the config file's folder, then its `miniflare`,
 *     when that Miniflare's `engines` allow the Node running kanvas (both tools then drive the
 *     same workerd over the same files);
 *  2. kanvas's own newer one (`miniflare-current`, as new as current wrangler's) on Node >= 22;
 *  3. kanvas's own `miniflare` 4.20260426.0, the newest that runs on Node 20.
 * Nothing here imports Miniflare until `loadMiniflare`: picking only reads package.json files.
 */
export interface LocalRuntime {
  miniflare: { version: string; dir: string };
  workerd: { version: string; path: string };
  /** Where the pair came from, for doctor and --verbose: "the app's wrangler 4.164.0", "kanvas (Node ≥ 22)". */
  from: string;
  /** The app's wrangler version when the app has one (whether or not its Miniflare was usable). */
  appWrangler?: string;
  /** Why the app's wrangler was passed over, when it was. */
  skipped?: string;
  /** Major version of Miniflare: the one place the option shapes differ (see `miniflareOptions`). */
  major: number;
  /** The worker's compatibility date: kanvas's own, but never later than this workerd supports. */
  compatibilityDate: string;
}

/** kanvas's worker needs nothing newer; a later date would be refused by an older workerd. */
const KANVAS_COMPATIBILITY_DATE = "2026-04-01";

/** The Miniflare majors whose options `miniflareOptions` knows. */
const KNOWN_MAJORS = [4, 5];

/** kanvas's own folder: its dependencies resolve from here. */
const KANVAS_DIR = path.dirname(fileURLToPath(import.meta.url));

export function pickRuntime(configDir: string, nodeVersion = process.versions.node): LocalRuntime {
  let appWrangler: string | undefined;
  let skipped: string | undefined;
  const app = findPackage("wrangler", configDir);
  if (app) {
    appWrangler = app.version;
    const mf = findPackage("miniflare", app.dir);
    const known = mf && KNOWN_MAJORS.includes(Number(mf.version.split(".")[0]));
    if (mf && known && satisfies(nodeVersion, mf.engines)) {
      return describe(mf.dir, `the app's wrangler ${app.version} (${app.dir})`, { appWrangler });
    }
    skipped = !mf
      ? `the app's wrangler ${app.version} has no Miniflare kanvas can find`
      : !known
        ? `the app's wrangler ${app.version} brings Miniflare ${mf.version}, whose API kanvas does not know (it drives Miniflare 4 and 5)`
        : `the app's wrangler ${app.version} brings Miniflare ${mf.version}, which needs Node ${mf.engines}`;
  }
  const newer = findPackage("miniflare-current", KANVAS_DIR);
  if (newer && satisfies(nodeVersion, newer.engines)) {
    return describe(newer.dir, `kanvas's own (Node ≥ 22)`, { appWrangler, skipped });
  }
  const own = findPackage("miniflare", KANVAS_DIR);
  if (!own) throw new Error("kanvas's own miniflare package is missing; run npm install");
  return describe(own.dir, `kanvas's own (Node 20)`, { appWrangler, skipped });
}

/** Imports the chosen Miniflare (the heavy part, done only when a local command runs). */
export async function loadMiniflare(runtime: LocalRuntime): Promise<MiniflareModule> {
  const pkg = JSON.parse(readFileSync(path.join(runtime.miniflare.dir, "package.json"), "utf8")) as { main?: string };
  const entry = path.join(runtime.miniflare.dir, pkg.main ?? "dist/src/index.js");
  return (await import(pathToFileURL(entry).href)) as MiniflareModule;
}

/** The part of Miniflare's module kanvas uses; Miniflare 5 adds `convertV4MiniflareOptions`. */
export interface MiniflareModule {
  Miniflare: new (options: MiniflareOptions) => Miniflare;
  convertV4MiniflareOptions?: (options: object) => MiniflareOptions;
}

/** What kanvas asks of any Miniflare, in Miniflare 4's terms. */
export interface KanvasMiniflareOptions {
  script: string;
  persistRoot: string;
  d1Databases: Record<string, string>;
  kvNamespaces: Record<string, string>;
  r2Buckets: Record<string, string>;
  /** Every line workerd writes; kanvas keeps them to explain a failed start and never prints them itself. */
  onRuntimeLine: (line: string) => void;
}

/**
 * The one place where Miniflare versions differ in API. Miniflare 4 takes its options flat with
 * `defaultPersistRoot`; Miniflare 5 takes `workers: [...]` with `resourcePersistencePath`, and ships
 * `convertV4MiniflareOptions` to translate the flat form (as wrangler 4.164 itself does).
 * `handleStructuredLogs` exists in both and receives every line of workerd's output (parsed or not);
 * giving it also stops Miniflare 4 from piping workerd's stdout/stderr to ours.
 */
export function miniflareOptions(mod: MiniflareModule, runtime: LocalRuntime, opts: KanvasMiniflareOptions): MiniflareOptions {
  const common = {
    modules: true,
    script: opts.script,
    compatibilityDate: runtime.compatibilityDate,
    d1Databases: opts.d1Databases,
    kvNamespaces: opts.kvNamespaces,
    r2Buckets: opts.r2Buckets,
    log: undefined,
    handleStructuredLogs: (log: { message: string }) => opts.onRuntimeLine(log.message),
  };
  if (runtime.major >= 5) {
    if (!mod.convertV4MiniflareOptions) throw new Error(`Miniflare ${runtime.miniflare.version} has no convertV4MiniflareOptions`);
    return mod.convertV4MiniflareOptions({ ...common, resourcePersistencePath: opts.persistRoot });
  }
  return { ...common, defaultPersistRoot: opts.persistRoot } as MiniflareOptions;
}

/** One line for doctor and --verbose. */
export function describeRuntime(r: LocalRuntime): string {
  // bin/kanvas-runtime (the lifetime front) is kanvas's own, not a user's choice of workerd.
  const set = process.env.MINIFLARE_WORKERD_PATH;
  const workerdPath = process.env.KANVAS_USER_WORKERD ?? (set && !set.endsWith("kanvas-runtime") ? set : undefined);
  const workerd = workerdPath ? `workerd from MINIFLARE_WORKERD_PATH (${workerdPath})` : `workerd ${r.workerd.version}`;
  return `Miniflare ${r.miniflare.version} + ${workerd}, ${r.from}, on Node ${process.versions.node}`;
}

function describe(miniflareDir: string, from: string, extra: { appWrangler?: string; skipped?: string }): LocalRuntime {
  const mf = readPackage(miniflareDir);
  const workerd = findPackage("workerd", miniflareDir);
  const workerdVersion = workerd?.version ?? "unknown";
  const major = Number(mf.version.split(".")[0]);
  return {
    miniflare: { version: mf.version, dir: miniflareDir },
    workerd: { version: workerdVersion, path: workerd ? path.join(workerd.dir, "bin", "workerd") : "unknown" },
    from,
    ...(extra.appWrangler ? { appWrangler: extra.appWrangler } : {}),
    ...(extra.skipped ? { skipped: extra.skipped } : {}),
    major,
    compatibilityDate: clampDate(KANVAS_COMPATIBILITY_DATE, workerdVersion),
  };
}

/** workerd 1.YYYYMMDD.N supports compatibility dates up to YYYY-MM-DD. */
function clampDate(wanted: string, workerdVersion: string): string {
  const m = /^\d+\.(\d{4})(\d{2})(\d{2})\./.exec(workerdVersion);
  if (!m) return wanted;
  const supported = `${m[1]}-${m[2]}-${m[3]}`;
  return supported < wanted ? supported : wanted;
}

interface FoundPackage {
  dir: string;
  version: string;
  engines: string;
}

/** `name` as Node would resolve it from `fromDir` (its package.json), or undefined. */
function findPackage(name: string, fromDir: string): FoundPackage | undefined {
  try {
    const req = createRequire(path.join(fromDir, "noop.js"));
    const dir = path.dirname(req.resolve(`${name}/package.json`));
    return { dir, ...readPackage(dir) };
  } catch {
    return undefined;
  }
}

function readPackage(dir: string): { version: string; engines: string } {
  const pkg = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")) as { version: string; engines?: { node?: string } };
  return { version: pkg.version, engines: pkg.engines?.node ?? "*" };
}

/**
 * Enough of semver ranges for `engines.node`: `||` of space-separated comparators
 * (`>=`, `>`, `<=`, `<`, `=`, `^`, `~`, bare versions, `x`/`*`). Anything else counts as "no".
 */
export function satisfies(version: string, range: string): boolean {
  const v = parse(version);
  if (!v) return false;
  return range.split("||").some((alt) => {
    const parts = alt.trim().replace(/(>=|<=|>|<|=|\^|~)\s+/g, "$1").split(/\s+/).filter(Boolean);
    if (parts.length === 0) return true;
    return parts.every((c) => comparator(v, c));
  });
}

type Triple = [number, number, number];

function parse(text: string): Triple | undefined {
  const m = /^v?(\d+)(?:\.(\d+|x|\*))?(?:\.(\d+|x|\*))?/.exec(text.trim());
  if (!m) return undefined;
  const n = (s: string | undefined) => (s === undefined || s === "x" || s === "*" ? 0 : Number(s));
  return [n(m[1]), n(m[2]), n(m[3])];
}

function cmp(a: Triple, b: Triple): number {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

function comparator(v: Triple, c: string): boolean {
  if (c === "*" || c === "x") return true;
  const m = /^(>=|<=|>|<|=|\^|~)?(.*)$/.exec(c);
  const op = m?.[1] ?? "=";
  const target = parse(m?.[2] ?? "");
  if (!target) return false;
  const d = cmp(v, target);
  switch (op) {
    case ">=":
      return d >= 0;
    case ">":
      return d > 0;
    case "<=":
      return d <= 0;
    case "<":
      return d < 0;
    case "^":
      return d >= 0 && (target[0] > 0 ? v[0] === target[0] : v[0] === 0 && v[1] === target[1]);
    case "~":
      return d >= 0 && v[0] === target[0] && v[1] === target[1];
    default: {
      // "20" and "20.x" match any 20.*.*; "20.1" any 20.1.*.
      const given = (m?.[2] ?? "").split(".").filter((p) => /^\d+$/.test(p)).length;
      return v.slice(0, given).every((n, i) => n === target[i]);
    }
  }
}
