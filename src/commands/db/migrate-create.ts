import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { requireD1 } from "../../core/config/require.js";
import { listMigrationFiles } from "../../domain/migrate/files.js";
import { defineCommand } from "../define.js";
import { text } from "../spec/flag.js";


export default defineCommand({
  description: "write the next numbered, empty migration file",
  examples: ['kanvas db migrate create add_room_topic', 'kanvas db migrate create "add room topic"'],
  notes: "Names the file as wrangler does: <next number, 4 digits>_<name>.sql (spaces become _). Creates the migrations folder if needed.",
  args: {
    name: text("what the migration does, e.g. add_room_topic", {
      required: true,
      check: (v: string) => (/^[A-Za-z0-9_\- ]{1,100}$/.test(v.trim()) ? undefined : "use letters, digits, _, - and spaces (up to 100), e.g. add_room_topic"),
    }),
  },
  flags: {},
  access: "none",
  async run(input, ctx) {
    const config = await ctx.config();
    const d1cfg = requireD1(config);
    const displayDir = path.relative(ctx.io.cwd, d1cfg.migrationsDir) || ".";
    mkdirSync(d1cfg.migrationsDir, { recursive: true });
    const files = listMigrationFiles(d1cfg.migrationsDir, displayDir);
    const number = String(Math.max(0, ...files.map((f) => f.number)) + 1).padStart(4, "0");
    const name = `${number}_${input.name.trim().replaceAll(" ", "_")}.sql`;
    const file = path.join(d1cfg.migrationsDir, name);
    writeFileSync(file, `-- Migration number: ${number} \t ${new Date(ctx.now()).toISOString()}\n`, { flag: "wx" });
    const rel = path.relative(ctx.io.cwd, file);
    ctx.out.result({ file: rel, name }, () => ctx.out.println(`Created ${rel}; add its SQL, then run kanvas db migrate.`));
  },
});
