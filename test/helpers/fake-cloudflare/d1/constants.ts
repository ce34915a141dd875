/** D1 database ids are UUIDs; anything else gets "failed to decode id" (code 7400). */
export const D1_UUID_FORMAT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
