import { ConflictError, ExitCode, InterruptedError } from "../../core/errors.js";
import { assetRowsFor, describeRows, type AssetRow } from "../../domain/images/asset-rows.js";
import { BatchDeleter } from "../../domain/images/batch-deleter.js";
import { validateKey } from "../../domain/images/keys.js";
import { deleteAssetRows } from "../../domain/images/references.js";
import { mapPool } from "../../core/pool.js";
import { defineCommand } from "../define.js";
import { bool, list } from "../spec/flag.js";
import { dryRun, r2Target, yes } from "../spec/shared.js";

/** HEADs in flight while sorting the keys into present and missing. */
const HEAD_CONCURRENCY = 8;

export default defineCommand({
  description: "delete objects by key, refusing ones a D1 assets row references",
  examples: [
    "kanvas images delete uploads/u_123/1700000000000-abuse.jpg --remote",
    "kanvas images delete k1 k2 k3 --remote --dry-run",
    "kanvas images delete uploads/u_123/1700000000000-abuse.jpg --include-referenced --remote --yes",
  ],
  notes:
    "A key that D1 assets.r2_key references is refused (exit 5, naming the row) unless --include-referenced: then its rows are deleted first, then the object,\nso no row is ever left pointing at a deleted object. Keys that do not exist are reported as missing, not deleted.\nMany keys go in DeleteObjects requests of up to 1000. Remote: the D1 check also needs CLOUDFLARE_API_TOKEN. Asks first; needs --yes where no one can answer. One audit line per run.\nExit codes: 0 done (also when some keys were missing); 1 some objects could not be deleted; 2 bad input or not confirmed; 5 referenced.",
  args: { keys: list("object keys", { required: true, min: { count: 1, message: "name at least one object key" } }) },
  flags: { includeReferenced: bool("also delete referenced keys, their D1 assets rows first"), ...r2Target, ...yes, ...dryRun },
  access: "write",
  async run(input, ctx) {
    const keys = [...new Set(input.keys)];
    for (const key of keys) validateKey(key, key);
    const r2 = await ctx.r2();
    const d1 = await ctx.d1();
    const heads = await mapPool(keys, HEAD_CONCURRENCY, (key) => r2.head(key), ctx.signal);
    const present = keys.filter((_, i) => heads[i]);
    const missing = keys.filter((_, i) => !heads[i]);
    const rows = await assetRowsFor(d1, keys);
    const referenced = keys.filter((k) => rows.has(k));
    if (referenced.length && !input.includeReferenced) {
      const first = referenced[0]!;
      throw new ConflictError(
        `${first} is referenced by ${describeRows(rows.get(first)!)}${referenced.length > 1 ? ` (and ${referenced.length - 1} more key(s))` : ""}; nothing was deleted. Add --include-referenced to delete the rows and then the objects.`,
        "object_referenced",
      );
    }
    const doomedRows: AssetRow[] = referenced.flatMap((k) => rows.get(k)!);
    const plan = { bucket: r2.bucket, delete: present, missing, rows: doomedRows };
    const details = { bucket: r2.bucket, keys };
    if (input.dryRun) {
      return {
        data: { dryRun: true, ...plan },
        audit: { outcome: "dry-run", counts: { objects: present.length, missing: missing.length, rows: doomedRows.length }, details },
        human: () => {
          for (const k of present) ctx.out.println(`would delete  ${k}${rows.has(k) ? `  (and ${describeRows(rows.get(k)!)})` : ""}`);
          for (const k of missing) ctx.out.println(`missing       ${k}${rows.has(k) ? `  (${describeRows(rows.get(k)!)} would be deleted)` : ""}`);
          ctx.out.info(`Dry run: nothing was deleted.`);
        },
      };
    }
    if (!present.length && !doomedRows.length) {
      return {
        data: { ...plan, deleted: [], rowsDeleted: 0, errors: [] },
        human: () => {
          for (const k of missing) ctx.out.println(`missing  ${k}`);
          ctx.out.info(`None of the ${keys.length} key(s) exist in ${r2.bucket}; nothing was deleted.`);
        },
      };
    }
    const question = `Delete ${present.length} object(s) from ${r2.bucket}${doomedRows.length ? ` and ${doomedRows.length} D1 assets row(s) referencing them` : ""}?`;
    if (!(await ctx.confirm(question, { yes: input.yes, what: "images delete", cancelled: "Cancelled; nothing was deleted." }))) throw new InterruptedError("Not confirmed; nothing was deleted.");

    let rowsDeleted = 0;
    const deleted: string[] = [];
    const deleter = new BatchDeleter(r2, { signal: ctx.signal, onDeleted: (objects) => deleted.push(...objects.map((o) => o.key)) });
    const counts = () => ({ deleted: deleted.length, missing: missing.length, rowsDeleted, errors: deleter.errors.length });
    try {
      // Rows first: a failure between the two steps leaves an unreferenced object, never a dangling row.
      if (referenced.length) rowsDeleted = await deleteAssetRows(d1, referenced);
      for (const key of present) await deleter.add({ key, size: heads[keys.indexOf(key)]!.size });
      await deleter.finish();
    } catch (error) {
      // The runner writes the audit line (interrupted / error) with what was done before the failure.
      ctx.auditing({ counts: counts(), details });
      throw error;
    }
    const errors = deleter.errors;
    return {
      data: { bucket: r2.bucket, deleted, missing, rowsDeleted, errors },
      audit: { outcome: errors.length ? "error" : "ok", counts: counts(), details },
      human: () => {
        for (const k of deleted) ctx.out.println(`deleted  ${k}`);
        for (const k of missing) ctx.out.println(`missing  ${k}`);
        for (const e of errors) ctx.out.println(`failed   ${e.key}  ${e.code} ${e.message}`);
        ctx.out.success(`${deleted.length} object(s) deleted from ${r2.bucket}${rowsDeleted ? `, ${rowsDeleted} assets row(s) first` : ""}${missing.length ? `; ${missing.length} missing` : ""}.`);
      },
      errors: errors.length ? [`${errors.length} object(s) could not be deleted (listed above); run the command again.`] : [],
      exitCode: errors.length ? ExitCode.unexpected : ExitCode.ok,
    };
  },
});
