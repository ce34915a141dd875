import { UsageError, InterruptedError } from "../../core/errors.js";
import { parseTimestamp } from "../../domain/db/timestamp.js";
import { defineCommand } from "../define.js";
import { text } from "../spec/flag.js";
import { dryRun, remoteOnly, yes } from "../spec/shared.js";

export default defineCommand({
  description: "restore the remote database to a Time Travel bookmark or a point in time (remote only)",
  examples: ["kanvas db restore --bookmark 00000085-0000024c-00004c6d-8e61117bf38d7adb71b934ebbf891683 --remote", "kanvas db restore --bookmark <B> --remote --env production --yes", "kanvas db restore --timestamp 2026-12-01T14:05:00Z --remote"],
  notes:
    "kanvas db migrate --remote prints the bookmark taken before it applied anything, with this exact command.\nRemote only (Time Travel is a Cloudflare feature). Asks first; needs --yes where no one can answer. Exit codes: 0 restored; 2 bad input or not confirmed; 4 database not found.",
  flags: {
    bookmark: text("the Time Travel bookmark to restore to", {
      placeholder: "<bookmark>",
      check: (v: string) => (/^[A-Za-z0-9-]{8,200}$/.test(v) ? undefined : "not a Time Travel bookmark (letters, digits and -), as printed by kanvas db migrate --remote"),
    }),
    timestamp: text("or: the time to restore to, ISO 8601 or unix seconds (the nearest bookmark at or before it; ≤ 30 days back)", { placeholder: "<time>" }),
    ...remoteOnly,
    ...yes,
    ...dryRun,
  },
  access: "write",
  async run(input, ctx) {
    const timeTravel = ctx.timeTravel(() => new UsageError("kanvas db restore works on the remote database only (Time Travel is a Cloudflare feature): add --remote.", "restore_remote_only"));
    if ((input.bookmark === undefined) === (input.timestamp === undefined)) {
      throw new UsageError("give the point to restore to: --bookmark <bookmark printed by kanvas db migrate --remote>, or --timestamp <ISO 8601 | unix seconds> (not both).", "restore_point_required");
    }
    const at = input.timestamp === undefined ? undefined : parseTimestamp(input.timestamp, ctx.now());
    const config = await ctx.config();
    const current = await timeTravel.bookmark();
    // By time: the bookmark Cloudflare resolves it to is shown before anything is asked.
    const bookmark = input.bookmark ?? (await timeTravel.bookmark(at));
    if (at) ctx.out.info(`${at} resolves to bookmark ${bookmark}.`);
    if (input.dryRun) {
      return {
        data: { dryRun: true, bookmark, current, ...(at ? { timestamp: at } : {}) },
        human: () => ctx.out.println(`Would restore the remote database to ${bookmark} (it is at ${current} now). Dry run: nothing changed.`),
      };
    }
    const ok = await ctx.confirm(`Restore the remote D1 database to bookmark ${bookmark}? Changes after it are undone.`, {
      yes: input.yes,
      what: "db restore",
    });
    if (!ok) throw new InterruptedError("Not restored; nothing was changed.");
    const details = { bookmark, previous: current, ...(at ? { timestamp: at } : {}) };
    ctx.auditing({ counts: { restored: 0 }, details });
    const r = await timeTravel.restore(bookmark);
    const previousBookmark = r.previousBookmark ?? current;
    return {
      data: { restoredTo: bookmark, bookmark: r.bookmark, previousBookmark },
      audit: { counts: { restored: 1 }, details },
      human: () => {
        ctx.out.println(`Restored the remote database to ${bookmark}${at ? ` (the bookmark at ${at})` : ""}.`);
        ctx.out.println(`Before the restore it was at ${previousBookmark}.`);
        ctx.out.println(`To undo this restore: kanvas db restore --bookmark ${previousBookmark} --remote${config.envName ? ` --env ${config.envName}` : ""}`);
      },
    };
  },
});
