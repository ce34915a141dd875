/**
 * The Kanvas schema (drizzle). `npm run db:generate` turns changes here into a numbered SQL migration
 * in src/migrations, which `kanvas db migrate` applies. Timestamps are SQLite text (CURRENT_TIMESTAMP,
 * UTC) so they read the same in `kanvas db query`, wrangler and the app.
 */
import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

const createdAt = () => text("created_at").notNull().default(sql`(CURRENT_TIMESTAMP)`);

export const users = sqliteTable(
  "users",
  {
    id: text("id").primaryKey(),
    email: text("email").notNull(),
    name: text("name"),
    created_at: createdAt(),
  },
  (t) => [uniqueIndex("idx_users_email").on(t.email)],
);

export const rooms = sqliteTable(
  "rooms",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    owner_id: text("owner_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    created_at: createdAt(),
  },
  // The app lists a user's rooms and joins rooms to their creator.
  (t) => [index("idx_rooms_owner_id").on(t.owner_id)],
);

export const roomParticipants = sqliteTable(
  "room_participants",
  {
    room_id: text("room_id")
      .notNull()
      .references(() => rooms.id, { onDelete: "cascade" }),
    user_id: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    joined_at: text("joined_at").notNull().default(sql`(CURRENT_TIMESTAMP)`),
  },
  // One row per (room, user); the primary key serves "participants of a room", the index "rooms of a user".
  (t) => [primaryKey({ columns: [t.room_id, t.user_id] }), index("idx_room_participants_user_id").on(t.user_id)],
);

export const assets = sqliteTable(
  "assets",
  {
    id: text("id").primaryKey(),
    // No foreign key: uploads may be recorded (kanvas images upload --record) before or without a user row.
    user_id: text("user_id").notNull(),
    r2_key: text("r2_key").notNull(),
    size_bytes: integer("size_bytes").notNull(),
    content_type: text("content_type"),
    created_at: createdAt(),
  },
  // r2_key: the cleanup's "is this object referenced?" lookup; user_id: a user's uploads; created_at: age scans.
  (t) => [uniqueIndex("idx_assets_r2_key").on(t.r2_key), index("idx_assets_user_id").on(t.user_id), index("idx_assets_created_at").on(t.created_at)],
);
