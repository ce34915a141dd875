import { defineConfig } from "drizzle-kit";

// `npm run db:generate`: SQL migrations from src/domain/db/schema.ts into the folder wrangler.toml's
// migrations_dir names, where `kanvas db migrate` (and `wrangler d1 migrations apply`) find them.
export default defineConfig({
  dialect: "sqlite",
  schema: "./src/domain/db/schema.ts",
  out: "./src/migrations",
});
