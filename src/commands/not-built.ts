import { z } from "zod";
import { NotBuiltError } from "../errors.js";
import { defineCommand } from "./define.js";

/** A command that exists in the tree but not yet in code: exit 2, never a fake success. */
export function notBuilt(command: string, example: string) {
  return defineCommand({
    description: `(not built yet) ${command}`,
    examples: [example],
    schema: z.looseObject({}),
    run: async () => {
      throw new NotBuiltError(command);
    },
  });
}
