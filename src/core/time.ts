/**
 * SQLite's CURRENT_TIMESTAMP ("2026-01-02 03:04:05", UTC but unmarked, as wrangler's
 * d1_migrations.applied_at holds it) → ISO 8601 with its zone ("2026-01-02T03:04:05Z"), so no
 * printed time leaves the reader guessing. Anything else is returned as is.
 */
export function sqliteUtcToIso(text: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2}(?:\.\d+)?)$/.exec(text);
  return m ? `${m[1]}T${m[2]}Z` : text;
}
