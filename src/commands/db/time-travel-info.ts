import { parseTimestamp } from "../../domain/db/timestamp.js";
import { defineCommand } from "../define.js";
import { text } from "../spec/flag.js";
import { remoteOnly } from "../spec/shared.js";

export default defineCommand({
  description: "print the Time Travel bookmark for now, or the nearest at or before --timestamp (remote only)",
  examples: ["kanvas db time-travel info --remote", "kanvas db time-travel info --timestamp 2026-12-01T14:05:00Z --remote --json"],
  notes: "Remote only: Time Travel is a Cloudflare feature, kept 30 days. Restore with: kanvas db restore --timestamp <time> --remote (or --bookmark).",
  flags: { timestamp: text("ISO 8601 (2026-12-01T14:05:00Z) or unix seconds; default: now", { placeholder: "<time>" }), ...remoteOnly },
  access: "read",
  async run(input, ctx) {
    const timeTravel = ctx.timeTravel();
    const at = input.timestamp === undefined ? undefined : parseTimestamp(input.timestamp, ctx.now());
    const bookmark = await timeTravel.bookmark(at);
    return {
      data: { timestamp: at ?? null, bookmark },
      human: () => {
        ctx.out.println(bookmark);
        ctx.out.info(at ? `The bookmark at or before ${at}.` : "The database's current bookmark.");
      },
    };
  },
});
