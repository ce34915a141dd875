/**
 * Workers KV state: namespaces of key → { value bytes, metadata, expiration (unix seconds) }.
 * Expired keys (by the fake's clock) are invisible. Keys sort by their UTF-8 bytes, as KV lists them.
 */
import { randomBytes } from "node:crypto";

export interface KvEntry {
  value: Uint8Array;
  metadata?: unknown;
  /** unix seconds */
  expiration?: number;
}

export interface KvNamespace {
  id: string;
  title: string;
  entries: Map<string, KvEntry>;
}

export type BulkOp = "write" | "delete";

interface BulkFailure {
  predicate: (key: string) => boolean;
  times: number;
  ops: BulkOp[];
  used: Map<string, number>;
}

export class KvStore {
  readonly namespaces = new Map<string, KvNamespace>();
  private failures: BulkFailure[] = [];

  constructor(private readonly now: () => number) {}

  createNamespace(title: string, id: string = randomBytes(16).toString("hex")): KvNamespace {
    if (this.namespaces.has(id)) throw new Error(`KV namespace ${id} already exists`);
    const ns: KvNamespace = { id, title, entries: new Map() };
    this.namespaces.set(id, ns);
    return ns;
  }

  nowSeconds(): number {
    return Math.floor(this.now() / 1000);
  }

  get(ns: KvNamespace, key: string): KvEntry | undefined {
    const e = ns.entries.get(key);
    if (!e) return undefined;
    if (e.expiration !== undefined && e.expiration <= this.nowSeconds()) {
      ns.entries.delete(key);
      return undefined;
    }
    return e;
  }

  put(ns: KvNamespace, key: string, entry: KvEntry): void {
    ns.entries.set(key, entry);
  }

  delete(ns: KvNamespace, key: string): void {
    ns.entries.delete(key);
  }

  /** Visible keys with a prefix, in KV order. */
  list(ns: KvNamespace, prefix = ""): Array<[string, KvEntry]> {
    const out: Array<[string, KvEntry]> = [];
    for (const key of [...ns.entries.keys()]) {
      if (!key.startsWith(prefix)) continue;
      const e = this.get(ns, key);
      if (e) out.push([key, e]);
    }
    return out.sort((a, b) => compareKeys(a[0], b[0]));
  }

  /** Keys matching `predicate` are reported unsuccessful by their next `times` bulk operations. */
  failBulkKeys(predicate: (key: string) => boolean, times = 1, ops: BulkOp[] = ["write"]): void {
    this.failures.push({ predicate, times, ops, used: new Map() });
  }

  clearBulkFailures(): void {
    this.failures = [];
  }

  /** True when this bulk operation on this key must fail (and counts it). */
  takeBulkFailure(op: BulkOp, key: string): boolean {
    for (const f of this.failures) {
      if (!f.ops.includes(op) || !f.predicate(key)) continue;
      const used = f.used.get(key) ?? 0;
      if (used >= f.times) continue;
      f.used.set(key, used + 1);
      return true;
    }
    return false;
  }
}

export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}
