import { bool, text } from "../spec/flag.js";
import { dryRun, target, yes } from "../spec/shared.js";

/** Flags of the commands that change one flag (enable, disable, rollout, allow, deny). */
export const editFlags = {
  create: bool("create the flag if it does not exist (new flags start off, at rollout 100%)"),
  description: text("also set the flag's description", { placeholder: "<text>", check: (v: string) => (v.length > 1000 ? "must be at most 1000 characters" : undefined) }),
  ...target,
  ...yes,
  ...dryRun,
};

/** For --help of every command that changes the document. */
export const CHANGE_NOTES =
  "Shows the change as a diff, then asks at a terminal; elsewhere (no TTY, CI) needs --yes. --dry-run shows the diff and writes nothing.\n" +
  "The whole document is written at once, then read back: if it is not what kanvas wrote (someone changed flags at the same moment;\n" +
  "KV has no compare-and-swap) kanvas says so and exits 5. Each run appends a line to the audit log. Other locations see a change\n" +
  "within about 60 s (KV is eventually consistent). In CI, pass --local or --remote.";
