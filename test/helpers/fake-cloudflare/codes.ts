/**
 * Cloudflare API error codes the fake answers with, and where each was confirmed.
 * "seen" = observed in real API output quoted in public issues/docs; "guess" = not confirmed.
 */
export const CODES = {
  // Auth / routing
  /** 401 "Authentication error" (wrangler/API output "[code: 10000]") — seen */
  AUTH_ERROR: 10000,
  /** token verify with a bad token: "Invalid API Token" — guess (from memory of API answers, not confirmed) */
  INVALID_TOKEN: 1000,
  /** "Could not route to …, perhaps your object identifier is invalid?" (malformed account id) — seen */
  COULD_NOT_ROUTE: 7003,
  /** "No route for that URI" — seen (accompanies 7003; used for unmatched requests) */
  NO_ROUTE: 7000,
  /** 429 "Please wait and consider throttling your request speed" — guess (from memory; global API rate limit) */
  RATE_LIMITED: 971,

  // D1
  /** "The request is malformed: …" — seen ("failed to decode id [code: 7400]") */
  D1_MALFORMED: 7400,
  /** D1 wrong account — code 7403 seen in wrangler output; the message text is from memory */
  D1_ACCOUNT_NOT_AUTHORIZED: 7403,
  /** "The database <uuid> could not be found" — seen ("[code: 7404]") */
  D1_NOT_FOUND: 7404,
  /** SQL errors: "no such table: x: SQLITE_ERROR", "statement too long: SQLITE_TOOBIG",
   *  "too many SQL variables at offset N: SQLITE_ERROR" (HTTP 400) — seen */
  D1_QUERY_ERROR: 7500,

  // Workers KV (codes from the KV API error table: 10009 key not found, 10013 namespace not found,
  // 10012 malformed value, 10024 payload too large, 10028 invalid limit argument)
  KV_KEY_NOT_FOUND: 10009, // seen (wrangler-legacy kv_help + KV error table)
  KV_MALFORMED_VALUE: 10012, // KV error table
  KV_NAMESPACE_NOT_FOUND: 10013, // seen (wrangler-legacy kv_help + KV error table)
  KV_PAYLOAD_TOO_LARGE: 10024, // KV error table
  KV_INVALID_LIMIT: 10028, // KV error table
  /** invalid expiration / expiration_ttl (message text is real: "Invalid expiration_ttl of 30.
   *  Expiration TTL must be at least 60.") — the numeric code is a guess */
  KV_INVALID_EXPIRATION: 10033,
  /** key longer than 512 bytes (HTTP 414) — code is a guess */
  KV_KEY_TOO_LONG: 10030,

  // R2
  /** "The specified bucket does not exist." — seen ("[code: 10006]") */
  R2_NO_SUCH_BUCKET: 10006,

  /** generic internal error for injected 500s */
  INTERNAL: 10001,
} as const;
