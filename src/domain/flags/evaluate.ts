import type { DraftFlag } from "./document.js";

/**
 * Evaluation, exactly as the README's Worker snippet does it (Web Crypto, so the app can run the
 * same code): deny wins, then allow, then `enabled && bucket < rollout`, where bucket is the first
 * four bytes of SHA-256("<name>:<userId>") (UTF-8) read as a big-endian uint32, modulo 100.
 */
export async function bucketOf(name: string, userId: string): Promise<number> {
  const digest = await globalThis.crypto.subtle.digest("SHA-256", new TextEncoder().encode(`${name}:${userId}`));
  return new DataView(digest).getUint32(0, false) % 100;
}

export type Reason = "denied" | "allowed" | "disabled" | "rollout";

export interface Evaluation {
  on: boolean;
  reason: Reason;
  bucket: number;
  rollout: number;
  /** "denied", "allowed", "disabled", "bucket 37 < rollout 50" or "bucket 73 ≥ rollout 50" */
  why: string;
}

export async function evaluateFlag(name: string, flag: DraftFlag, userId: string): Promise<Evaluation> {
  const bucket = await bucketOf(name, userId);
  const base = { bucket, rollout: flag.rollout };
  if (flag.deny.includes(userId)) return { ...base, on: false, reason: "denied", why: "denied" };
  if (flag.allow.includes(userId)) return { ...base, on: true, reason: "allowed", why: "allowed" };
  if (!flag.enabled) return { ...base, on: false, reason: "disabled", why: "disabled" };
  const on = bucket < flag.rollout;
  return { ...base, on, reason: "rollout", why: on ? `bucket ${bucket} < rollout ${flag.rollout}` : `bucket ${bucket} ≥ rollout ${flag.rollout}` };
}
