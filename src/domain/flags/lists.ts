import type { Context } from "../../context.js";
import type { CommandResult } from "../../core/result.js";
import { changeFlags } from "./change.js";
import { editFlag, type EditOptions } from "./edit.js";
import { checkFlagName } from "./names.js";
import { checkUserId } from "../../core/user-id.js";

/** `flags allow|deny <name> <userIds...> [--remove]`: add to (or take from) one list, keeping its order. */
export async function changeList(
  ctx: Context,
  list: "allow" | "deny",
  input: EditOptions & { name: string; userIds?: string[]; remove?: boolean; yes?: boolean; dryRun?: boolean },
): Promise<CommandResult> {
  const name = checkFlagName(input.name);
  const ids = [...new Set((input.userIds ?? []).map((u) => checkUserId(u, "[userIds...]")))];
  const other = list === "allow" ? "deny" : "allow";
  return changeFlags(ctx, {
    yes: input.yes,
    dryRun: input.dryRun,
    mutate: (doc, at) =>
      editFlag(doc, name, at, input, (f) => {
        if (input.remove) return { ...f, [list]: f[list].filter((u) => !ids.includes(u)) };
        // Deny wins over allow: say so, as someone allowing a denied user expects them to get the flag.
        const both = list === "allow" ? ids.filter((u) => f.deny.includes(u)) : [];
        if (both.length) ctx.out.warn(`${both.map((u) => JSON.stringify(u)).join(", ")} ${both.length > 1 ? "are" : "is"} also in ${name}'s ${other} list, which wins; remove with 'kanvas flags deny ${name} … --remove'.`);
        return { ...f, [list]: [...f[list], ...ids.filter((u) => !f[list].includes(u))] };
      }),
  });
}
