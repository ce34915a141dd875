import path from "node:path";
import type { z as Zod } from "zod";
import { parseDuration } from "../../core/duration.js";
import { UsageError } from "../../core/errors.js";
import { parseExpiry } from "../../domain/images/expiry.js";
import { parseSize } from "../../domain/images/parts.js";
import { checkFolderFlag, checkWritableFile } from "../../core/path-flags.js";

/**
 * One typed spec per flag (or positional argument). The same object gives Commander its option
 * (syntax, description, the default shown once), the zod field that really parses the value
 * (durations → ms, sizes → bytes, counts → bounded integers, paths checked) and, through `T`,
 * the type `run` receives. zod is only a type import here: `field` gets the zod module from the
 * runner, so `--help` never loads it.
 */
export interface Spec<T> {
  readonly description: string;
  /** "<duration>" for flags that take a value; none for switches. */
  readonly placeholder?: string;
  /** One-letter alias: "-y". */
  readonly short?: string;
  /** A switch that is on unless --no-<name> is given. */
  readonly negatable?: boolean;
  /** The raw default, as typed on the command line: Commander shows it, the field parses it. */
  readonly default?: string | number | boolean | string[];
  /** A flag given several times collects an array; an argument takes the rest ("<keys...>"). */
  readonly repeatable?: boolean;
  /** Arguments: Commander itself refuses a missing one. */
  readonly required?: boolean;
  /** Read by the runner (target, output, config); never part of a command's input. */
  readonly global?: true;
  /** Builds the zod field; only called when the command runs. */
  field(z: typeof Zod, at: ParseSite): Zod.ZodType;
  /** Phantom: the parsed type. */
  readonly __type?: T;
}

/** Where a value is parsed: its name as the user typed it, and the folder relative paths start in. */
export interface ParseSite {
  name: string;
  cwd: string;
}

export type Specs = Record<string, Spec<unknown>>;
export type ValueOf<S> = S extends Spec<infer T> ? T : never;
/** The parsed input of a command: every argument and every flag that is not global. */
export type InputOf<A extends Specs, F extends Specs> = { [K in keyof A]: ValueOf<A[K]> } & {
  [K in keyof F as F[K] extends { global: true } ? never : K]: ValueOf<F[K]>;
};

type Check = (value: string) => string | undefined;
interface TextOpts {
  placeholder?: string;
  short?: string;
  default?: string;
  /** An argument or flag that must be given, with the message when it is not. */
  required?: string | true;
  /** Returns what is wrong with a value (shown after its name), or undefined. */
  check?: Check;
}
type Given<O, T> = O extends { default: unknown } | { required: unknown } ? T : T | undefined;

const withCheck = (s: Zod.ZodString, check?: Check) =>
  check ? s.superRefine((v, c) => {
    const problem = check(v);
    if (problem) c.addIssue({ code: "custom", message: problem });
  }) : s;

/** Free text (a key, a prefix, a name). */
export function text<O extends TextOpts = {}>(description: string, opts?: O): Spec<Given<O, string>> {
  const o: TextOpts = opts ?? {};
  return {
    description,
    placeholder: o.placeholder ?? "<value>",
    short: o.short,
    default: o.default,
    required: o.required === true ? true : undefined,
    field: (z) => {
      const s = withCheck(typeof o.required === "string" ? z.string({ error: o.required }) : z.string(), o.check);
      if (o.default !== undefined) return s.default(o.default);
      return o.required !== undefined ? s : s.optional();
    },
  };
}

/** A switch: false unless given; `negatable` makes it true unless --no-<name> is given. */
export function bool(description: string, opts: { negatable?: boolean; short?: string } = {}): Spec<boolean> {
  return { description, negatable: opts.negatable, short: opts.short, field: (z) => z.boolean().default(opts.negatable ?? false) };
}

/** One of a few words. */
export function choice<const V extends readonly [string, ...string[]]>(
  description: string,
  values: V,
  opts: { default: V[number]; placeholder?: string },
): Spec<V[number]> {
  return {
    description,
    placeholder: opts.placeholder ?? "<value>",
    default: opts.default,
    field: (z) => z.enum(values, { message: `use ${values.slice(0, -1).join(", ")} or ${values.at(-1)}` }).default(opts.default),
  };
}

interface CountOpts {
  min?: number;
  max?: number;
  default?: number;
  placeholder?: string;
  /** An example value for the message ("e.g. --limit 100"). */
  example?: string;
  /** The message for a value that is not a whole number (default: "must be a whole number ≥ <min>, e.g. …"). */
  notWhole?: string;
  /** The message for a number out of bounds (default: "must be at least <min>" / "must be from <min> to <max>"). */
  outOfRange?: string;
}
/** A whole number within bounds; the runner hands `run` a number. */
export function count<O extends CountOpts = {}>(description: string, opts?: O): Spec<O extends { default: number } ? number : number | undefined> {
  const o: CountOpts = opts ?? {};
  const min = o.min ?? 1;
  return {
    description,
    placeholder: o.placeholder ?? "<n>",
    default: o.default,
    field: (z) => {
      const eg = o.example ? `, e.g. ${o.example}` : "";
      const bounds = o.outOfRange ?? (o.max !== undefined ? `must be from ${min} to ${o.max}` : `must be at least ${min}${eg}`);
      const n = z
        .union([z.number(), z.string().regex(/^\s*-?\d+\s*$/, { message: o.notWhole ?? `must be a whole number ≥ ${min}${eg}` }).transform(Number)])
        .refine((v) => Number.isInteger(v) && v >= min && (o.max === undefined || v <= o.max), { message: bounds });
      return o.default !== undefined ? n.default(o.default) : n.optional();
    },
  };
}

/** A duration given as "90s", "30m", "12h", "30d", "2w": run gets the milliseconds and the text as typed. */
export interface Duration {
  ms: number;
  text: string;
}
export function duration<O extends { default?: string; units?: string; placeholder?: string } = {}>(
  description: string,
  opts?: O,
): Spec<O extends { default: string } ? Duration : Duration | undefined> {
  const o: { default?: string; units?: string; placeholder?: string } = opts ?? {};
  return {
    description,
    placeholder: o.placeholder ?? "<duration>",
    default: o.default,
    field: (z, at) => {
      const d = z.string().transform((text): Duration => ({ ms: parseDuration(text, at.name, o.units), text }));
      return o.default !== undefined ? d.prefault(o.default) : d.optional();
    },
  };
}

/** How long a presigned URL lasts (1s to 7d): run gets seconds. */
export function expiry<O extends { default?: string } = {}>(description: string, opts?: O): Spec<O extends { default: string } ? number : number | undefined> {
  const o: { default?: string } = opts ?? {};
  return {
    description,
    placeholder: "<duration>",
    default: o.default,
    field: (z, at) => {
      const d = z.string().transform((text) => parseExpiry(text, at.name));
      return o.default !== undefined ? d.prefault(o.default) : d.optional();
    },
  };
}

/** A size ("100MiB", "64MB", "5242880"): run gets bytes. `min` refuses smaller sizes with its own message. */
export function size(description: string, opts: { default: string; min?: { bytes: number; message: (text: string) => string } }): Spec<number> {
  return {
    description,
    placeholder: "<size>",
    default: opts.default,
    field: (z, at) =>
      z
        .string()
        .transform((text) => {
          const bytes = parseSize(text, at.name);
          if (opts.min && bytes < opts.min.bytes) throw new UsageError(opts.min.message(text), "bad_size");
          return bytes;
        })
        .prefault(opts.default),
  };
}

/** A repeatable flag (--param a --param b) or the rest of the arguments: run gets an array. */
export function list(description: string, opts: { placeholder?: string; required?: boolean; min?: { count: number; message: string } } = {}): Spec<string[]> {
  return {
    description,
    placeholder: opts.placeholder ?? "<value>",
    repeatable: true,
    required: opts.required,
    default: undefined,
    field: (z) => {
      const a = z.array(z.string());
      return (opts.min ? a.min(opts.min.count, { message: opts.min.message }) : a).default([]);
    },
  };
}

/** A file kanvas writes: checked (not a folder, its folder exists and is writable) before any work. */
export function writablePath(description: string, opts: { placeholder?: string } = {}): Spec<string | undefined> {
  return {
    description,
    placeholder: opts.placeholder ?? "<path>",
    field: (z, at) =>
      z
        .string()
        .transform((p) => {
          checkWritableFile(path.resolve(at.cwd, p), at.name, p);
          return p;
        })
        .optional(),
  };
}

/** A folder kanvas creates if needed: it must not be a file. */
export function folder(description: string, opts: { placeholder?: string } = {}): Spec<string | undefined> {
  return {
    description,
    placeholder: opts.placeholder ?? "<dir>",
    field: (z, at) =>
      z
        .string()
        .transform((p) => {
          checkFolderFlag(path.resolve(at.cwd, p), at.name, p);
          return p;
        })
        .optional(),
  };
}

/** Marks a spec as read by the runner (target, output, config), not by the command. */
export function global<T>(spec: Spec<T>): Spec<T> & { global: true } {
  return { ...spec, global: true };
}

/** "olderThan" → "older-than". */
export function kebab(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** Commander syntax of a flag: "-y, --yes", "--older-than <duration>", "--no-check", "--param <value>". */
export function flagSyntax(key: string, spec: Spec<unknown>): string {
  const long = spec.negatable ? `--no-${kebab(key)}` : `--${kebab(key)}`;
  const value = spec.placeholder ? ` ${spec.placeholder}` : "";
  return `${spec.short ? `${spec.short}, ` : ""}${long}${value}`;
}

/** Commander syntax of an argument: "<key>", "[value]", "<keys...>", "[userIds...]". */
export function argSyntax(key: string, spec: Spec<unknown>): string {
  const name = `${key}${spec.repeatable ? "..." : ""}`;
  return spec.required ? `<${name}>` : `[${name}]`;
}

/** A value with its own parser (which throws a UsageError naming the flag): run gets what it returns. */
export function parsed<T>(description: string, opts: { placeholder: string; parse: (text: string, name: string) => T }): Spec<T | undefined> {
  return {
    description,
    placeholder: opts.placeholder,
    field: (z, at) =>
      z
        .string()
        .transform((text) => opts.parse(text, at.name))
        .optional(),
  };
}
