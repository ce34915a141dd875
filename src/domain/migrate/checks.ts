/** The checks that stop a run before anything is written: drift and out-of-order files. */
import { ConflictError } from "../../core/errors.js";
import type { MigrationEntry } from "./plan.js";

export function checkDrift(entries: MigrationEntry[], allowDrift: boolean, warn: (line: string) => void): void {
  const drifted = entries.filter((e) => e.state === "drifted" || e.state === "missing");
  if (drifted.length === 0) return;
  const describe = (e: MigrationEntry) => (e.state === "drifted" ? `${e.name} changed after it was applied` : `${e.name} was applied but its file is gone`);
  if (allowDrift) {
    for (const e of drifted) warn(`${describe(e)} (--allow-drift: going on${e.state === "drifted" ? "; its new checksum is recorded" : ""}).`);
    return;
  }
  throw new ConflictError(
    `Drift: ${drifted.map(describe).join("; ")}. Restore the applied file(s) from git (or write a new migration for the change); --allow-drift goes on anyway.`,
    "migration_drift",
  );
}

export function checkOrder(entries: MigrationEntry[], allowOutOfOrder: boolean, warn: (line: string) => void): void {
  const late = entries.filter((e) => e.outOfOrder);
  if (late.length === 0) return;
  const names = late.map((e) => e.name).join(", ");
  if (allowOutOfOrder) {
    warn(`${names} sort(s) before an applied migration (--allow-out-of-order: applying anyway).`);
    return;
  }
  throw new ConflictError(
    `Out of order: ${names} is pending but sorts before a migration that is already applied. Renumber it after the last applied one (kanvas db migrate create picks the next number), or pass --allow-out-of-order.`,
    "migration_out_of_order",
  );
}
