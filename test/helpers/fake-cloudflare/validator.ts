/**
 * Validates the fake's JSON responses against Cloudflare's own OpenAPI description
 * (fixtures/cloudflare-api/openapi-subset.json, a copy of shared/cloudflare-api/openapi-subset.json).
 *
 * OpenAPI 3.0 specifics: `nullable` is handled by ajv natively; `$ref`s resolve inside the
 * document. A few places where the description cannot describe what the real API returns are
 * patched, each listed in SPEC_PATCHES with its reason.
 */
import { readFileSync } from "node:fs";
import { Ajv, type ValidateFunction } from "ajv";
import formatsModule from "ajv-formats";

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type JsonObject = { [k: string]: Json };

export const API_BASE_PATH = "/client/v4";
const DOC_ID = "cloudflare-openapi";

/** Deviations from the published description, applied before compiling. */
export const SPEC_PATCHES: ReadonlyArray<{ where: string; why: string; apply(doc: JsonObject): void }> = [
  {
    where: 'every `{ "type": "unknown" }` (workers-kv_any)',
    why: '"unknown" is not a JSON Schema type; the intent is "any JSON value"',
    apply(doc) {
      walk(doc, (node) => {
        if (node.type === "unknown") delete node.type;
      });
    },
  },
  {
    where: "d1_raw-result-response results.rows[][] cells",
    why: "SQL NULL comes back as null and BLOBs as arrays of bytes; the description allows only number|string|object",
    apply(doc) {
      const cell = at(doc, ["components", "schemas", "d1_raw-result-response", "properties", "results", "properties", "rows", "items", "items"]);
      (cell.anyOf as Json[]).push({ type: "null" }, { type: "array", items: { type: "number" } });
    },
  },
  {
    where: "workers-kv_bulk-get-result values",
    why: "bulk get answers null for a key that does not exist",
    apply(doc) {
      const v = at(doc, ["components", "schemas", "workers-kv_bulk-get-result", "properties", "values", "additionalProperties"]);
      (v.anyOf as Json[]).push({ type: "null" });
    },
  },
  {
    where: "4XX of KV bulk write / bulk delete (PUT …/bulk, POST …/bulk/delete, DELETE …/bulk)",
    why: "the published 4XX schema is a copy of the 200 one (success: true, a bulk result); an error answer is the common failure envelope",
    apply(doc) {
      const failure = { $ref: "#/components/schemas/workers-kv_api-response-common-failure" };
      const base = "/accounts/{account_id}/storage/kv/namespaces/{namespace_id}";
      for (const [path, method] of [
        [`${base}/bulk`, "put"],
        [`${base}/bulk`, "delete"],
        [`${base}/bulk/delete`, "post"],
      ] as const) {
        const r = at(doc, ["paths", path, method, "responses", "4XX", "content", "application/json"]);
        r.schema = failure;
      }
    },
  },
];

interface Operation {
  method: string;
  template: string;
  operationId: string;
  regex: RegExp;
  /** JSON pointer of the operation object inside the document */
  pointer: string;
  responses: JsonObject;
}

export interface ValidationInput {
  method: string;
  /** URL pathname as received, e.g. /client/v4/accounts/…/d1/database */
  pathname: string;
  status: number;
  contentType: string | null;
  body: string;
}

/** undefined: valid, or not an API path the description covers. */
export type ValidationResult = undefined | string;

export class OpenApiValidator {
  private readonly ajv: Ajv;
  private readonly ops: Operation[];
  private readonly cache = new Map<string, ValidateFunction>();

  constructor(doc: JsonObject = loadSpec()) {
    for (const p of SPEC_PATCHES) p.apply(doc);
    this.ajv = new Ajv({ strict: false, allErrors: true, logger: false, validateSchema: false });
    const addFormats = (formatsModule as unknown as { default?: typeof formatsModule }).default ?? formatsModule;
    (addFormats as unknown as (a: Ajv) => void)(this.ajv);
    this.ajv.addFormat("binary", true);
    this.ajv.addSchema(doc as object, DOC_ID);
    this.ops = collectOperations(doc);
  }

  /** The operation the description has for a request, if any. */
  findOperation(method: string, pathname: string): Operation | undefined {
    if (!pathname.startsWith(API_BASE_PATH + "/")) return undefined;
    const rel = pathname.slice(API_BASE_PATH.length);
    const m = method.toLowerCase();
    return this.ops.find((op) => op.method === m && op.regex.test(rel));
  }

  validate(input: ValidationInput): ValidationResult {
    const op = this.findOperation(input.method, input.pathname);
    if (!op) return undefined;
    const where = `${op.operationId} (${input.method.toUpperCase()} ${op.template}) ${input.status}`;
    const statusKey = [String(input.status), `${String(input.status)[0]}XX`, "default"].find((k) => k in op.responses);
    if (!statusKey) return `${where}: status ${input.status} is not declared (declared: ${Object.keys(op.responses).join(", ")})`;
    const content = (op.responses[statusKey] as JsonObject).content as JsonObject | undefined;
    const declared = Object.keys(content ?? {});
    const mediaType = (input.contentType ?? "").split(";")[0]!.trim().toLowerCase();
    if (!declared.includes(mediaType)) {
      return `${where}: content-type "${mediaType}" is not declared (declared: ${declared.join(", ") || "none"})`;
    }
    if (mediaType !== "application/json") return undefined;
    let body: unknown;
    try {
      body = JSON.parse(input.body);
    } catch {
      return `${where}: body is not JSON: ${input.body.slice(0, 200)}`;
    }
    const validate = this.compiled(op, statusKey);
    if (validate(body)) return undefined;
    return `${where}: ${this.ajv.errorsText(validate.errors, { dataVar: "body" })}`;
  }

  /** Validates any value against a response schema of an operation (for tests of the validator). */
  validateBody(operationId: string, status: string, body: unknown): ValidationResult {
    const op = this.ops.find((o) => o.operationId === operationId);
    if (!op) throw new Error(`no operation ${operationId}`);
    const validate = this.compiled(op, status);
    return validate(body) ? undefined : `${operationId} ${status}: ${this.ajv.errorsText(validate.errors, { dataVar: "body" })}`;
  }

  private compiled(op: Operation, statusKey: string): ValidateFunction {
    const key = `${op.pointer}|${statusKey}`;
    let fn = this.cache.get(key);
    if (!fn) {
      const ref = `${DOC_ID}#${op.pointer}/responses/${escapePointer(statusKey)}/content/application~1json/schema`;
      fn = this.ajv.compile({ $ref: ref });
      this.cache.set(key, fn);
    }
    return fn;
  }
}

export function loadSpec(): JsonObject {
  const url = new URL("../../../fixtures/cloudflare-api/openapi-subset.json", import.meta.url);
  return JSON.parse(readFileSync(url, "utf8")) as JsonObject;
}

function collectOperations(doc: JsonObject): Operation[] {
  const ops: Operation[] = [];
  const paths = doc.paths as JsonObject;
  for (const [template, item] of Object.entries(paths)) {
    for (const [method, op] of Object.entries(item as JsonObject)) {
      if (!op || typeof op !== "object" || Array.isArray(op) || !("responses" in op)) continue;
      const source = "^" + template.split(/\{[^}]+\}/).map(escapeRegex).join("[^/]+") + "$";
      ops.push({
        method,
        template,
        operationId: String(op.operationId),
        regex: new RegExp(source),
        pointer: `/paths/${escapePointer(template)}/${method}`,
        responses: op.responses as JsonObject,
      });
    }
  }
  return ops;
}

function walk(node: Json, visit: (obj: JsonObject) => void): void {
  if (Array.isArray(node)) node.forEach((n) => walk(n, visit));
  else if (node && typeof node === "object") {
    visit(node);
    Object.values(node).forEach((n) => walk(n, visit));
  }
}

function at(doc: JsonObject, path: string[]): JsonObject {
  let node: Json = doc;
  for (const p of path) {
    if (!node || typeof node !== "object" || Array.isArray(node) || !(p in node)) {
      throw new Error(`OpenAPI patch target missing: ${path.join(".")}`);
    }
    node = node[p]!;
  }
  return node as JsonObject;
}

function escapePointer(s: string): string {
  return s.replace(/~/g, "~0").replace(/\//g, "~1");
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
