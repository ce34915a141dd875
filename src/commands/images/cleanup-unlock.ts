import type { Context } from "../../context.js";
import { forceUnlockNamed } from "../../domain/lock/named.js";
import type { CommandResult } from "../define.js";

/** The lock two cleanups of one bucket share (a row in D1's kanvas_locks). */
export function cleanupLockName(bucket: string): string {
  return `images cleanup ${bucket}`;
}

/** `images cleanup --force-unlock`: removes a stuck cleanup lock of this bucket, like `db migrate --force-unlock`. */
export async function forceUnlockCleanup(ctx: Context, dryRun: boolean): Promise<CommandResult> {
  const r2 = await ctx.r2();
  const d1 = await ctx.d1();
  const row = await forceUnlockNamed(d1, cleanupLockName(r2.bucket), dryRun);
  return {
    data: { bucket: r2.bucket, removed: row ?? null, dryRun },
    human: () =>
      ctx.out.println(
        row
          ? `${dryRun ? "Would remove" : "Removed"} the cleanup lock of ${r2.bucket} held by ${row.holder} since ${new Date(row.acquired_at).toISOString()}.`
          : `No cleanup lock of ${r2.bucket} is held.`,
      ),
  };
}
