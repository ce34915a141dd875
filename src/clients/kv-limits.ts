/** Workers KV's documented limits (DESIGN.md "Cloudflare facts"); checked before anything is sent. */
export const KV_LIMITS = {
  maxKeyBytes: 512,
  maxValueBytes: 25 * 1024 * 1024,
  maxMetadataBytes: 1024,
  minTtlSeconds: 60,
  bulkWritePairs: 10_000,
  bulkWriteBytes: 100 * 1000 * 1000,
  bulkDeleteKeys: 10_000,
  bulkGetKeys: 100,
  listPage: 1000,
} as const;
