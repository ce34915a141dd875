import { describe, expect, it } from "vitest";
import { diffFlags } from "../src/domain/flags/diff.js";
import { documentSchema, fileDocumentSchema, parseDocument, serialiseDocument } from "../src/domain/flags/document.js";
import { closeNames } from "../src/domain/flags/names.js";
import { parseRollout } from "../src/domain/flags/rollout.js";
import { userIdProblem } from "../src/core/user-id.js";

const stamp = { updatedAt: "2026-12-01T10:00:00.000Z", updatedBy: "ops" };

describe("flags: pure parts", () => {
  it("suggests close names, closest first, and none for unrelated input", () => {
    const known = ["new-checkout", "new-checkout-v2", "dark-mode", "beta.canvas_v2", "export_pdf"];
    expect(closeNames("new-chekout", known)).toEqual(["new-checkout"]);
    expect(closeNames("checkout", known)).toEqual(["new-checkout", "new-checkout-v2"]);
    expect(closeNames("darkmode", known)).toEqual(["dark-mode"]);
    expect(closeNames("zzz", known)).toEqual([]);
  });

  it("takes rollouts 0..100 as 25 or 25%, nothing else", () => {
    expect(["0", "25", "25%", "100", "100%", " 7 "].map((t) => parseRollout(t))).toEqual([0, 25, 25, 100, 100, 7]);
    for (const bad of ["101", "-1", "abc", "2.5", "", "%", "25%%", "1e2", "0x10", "1000"]) expect(() => parseRollout(bad), bad).toThrow(/whole number from 0 to 100/);
  });

  it("applies the one user-id rule: anything but empty, '/' and control characters", () => {
    for (const ok of ["u_1", "a:b", "google-oauth2|123", "ünï 日本 🎨", " x ", "%2F"]) expect(userIdProblem(ok), ok).toBeUndefined();
    for (const bad of ["", "a/b", "/", "a\tb", "a\nb", "\u0000", "x\u007f", "x\u0085", ".", ".."]) expect(userIdProblem(bad), JSON.stringify(bad)).toBeDefined();
  });

  it("diffs the fields people change, not the stamps", () => {
    const before = { a: { enabled: true, rollout: 10, allow: ["u1"], deny: [], ...stamp }, gone: { enabled: false, rollout: 100, allow: [], deny: [], ...stamp } };
    const after = {
      a: { enabled: true, rollout: 10, allow: ["u1"], deny: [], updatedAt: "2030-01-01T00:00:00.000Z", updatedBy: "other" },
      b: { enabled: false, rollout: 100, allow: [], deny: [] },
    };
    expect(diffFlags(before, after)).toEqual([
      { flag: "b", change: "added", fields: [{ field: "enabled", before: undefined, after: false }, { field: "rollout", before: undefined, after: 100 }, { field: "allow", before: undefined, after: [] }, { field: "deny", before: undefined, after: [] }] },
      { flag: "gone", change: "removed", fields: [{ field: "enabled", before: false, after: undefined }, { field: "rollout", before: 100, after: undefined }, { field: "allow", before: [], after: undefined }, { field: "deny", before: [], after: undefined }] },
    ]);
  });

  it("serialises canonically (sorted names, contract field order) and round-trips through the schema", () => {
    const doc = { version: 1 as const, flags: { zeta: { ...stamp, deny: [], allow: [], rollout: 5, enabled: true }, alpha: { description: "d", ...stamp, enabled: false, rollout: 0, allow: ["x"], deny: [] } } };
    const text = serialiseDocument(doc);
    expect(Object.keys(JSON.parse(text).flags)).toEqual(["alpha", "zeta"]);
    expect(Object.keys(JSON.parse(text).flags.alpha)).toEqual(["enabled", "rollout", "allow", "deny", "description", "updatedAt", "updatedBy"]);
    expect(parseDocument(text, documentSchema)).toEqual({ ok: true, doc: JSON.parse(text) });
    // Stamps are required in KV, optional in a --file.
    const unstamped = JSON.stringify({ version: 1, flags: { a: { enabled: true, rollout: 1, allow: [], deny: [] } } });
    expect(parseDocument(unstamped, documentSchema)).toMatchObject({ ok: false, field: "flags.a.updatedAt" });
    expect(parseDocument(unstamped, fileDocumentSchema)).toMatchObject({ ok: true });
  });
});
