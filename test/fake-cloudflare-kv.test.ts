/** The fake Cloudflare API's Workers KV endpoints, driven by the real `cloudflare` SDK (see fake-cloudflare.test.ts). */
import { BadRequestError, NotFoundError } from "cloudflare";
import { describe, expect, it } from "vitest";
import { account_id, apiError, cf, client, requestsSince, useFakeCloudflareSdk } from "./helpers/fake-cloudflare/sdk-harness.js";

useFakeCloudflareSdk();

describe("Workers KV", () => {
  const NASTY_KEYS = ["plain", "with space", "100%", "hash#tag", "what?", "slash/in/key", "ünïcødé ✓ 🎨", "rate_limit:u1:upload:2024010112", "a+b=c&d"];

  it("writes (multipart value + metadata) and reads values, metadata, and keys byte for byte", async () => {
    const ns = cf.kv.createNamespace("CACHE");
    for (const key of NASTY_KEYS) {
      await client.kv.namespaces.values.update(key, {
        account_id,
        namespace_id: ns.id,
        value: `value of ${key}`,
        metadata: JSON.stringify({ key }),
      });
    }
    expect(cf.kv.keys(ns.id).sort()).toEqual([...NASTY_KEYS].sort());
    for (const key of NASTY_KEYS) {
      const res = await client.kv.namespaces.values.get(key, { account_id, namespace_id: ns.id });
      expect(await res.text()).toBe(`value of ${key}`);
      await expect(client.kv.namespaces.metadata.get(key, { account_id, namespace_id: ns.id })).resolves.toEqual({ key });
    }
    const listed: string[] = [];
    for await (const k of client.kv.namespaces.keys.list(ns.id, { account_id })) {
      listed.push(k.name);
      expect(k.metadata).toEqual({ key: k.name });
    }
    expect(listed.sort()).toEqual([...NASTY_KEYS].sort());
  });

  it("accepts a raw body and stores binary values untouched", async () => {
    const ns = cf.kv.createNamespace("RAW");
    const bytes = new Uint8Array([0, 255, 1, 254, 10, 13]);
    const res = await fetch(`${cf.baseURL}/accounts/${account_id}/storage/kv/namespaces/${ns.id}/values/${encodeURIComponent("bin/ary")}`, {
      method: "PUT",
      headers: { authorization: `Bearer ${cf.token}`, "content-type": "application/octet-stream" },
      body: bytes,
    });
    expect(res.status).toBe(200);
    expect(cf.kv.get(ns.id, "bin/ary")?.value).toEqual(bytes);
    const got = await client.kv.namespaces.values.get("bin/ary", { account_id, namespace_id: ns.id });
    expect(new Uint8Array(await got.arrayBuffer())).toEqual(bytes);
  });

  it("answers 10009 for an unknown key and 10013 for an unknown namespace", async () => {
    const ns = cf.kv.createNamespace("EMPTY");
    const key = await apiError(client.kv.namespaces.values.get("nope", { account_id, namespace_id: ns.id }));
    expect(key).toBeInstanceOf(NotFoundError);
    expect(key.errors).toEqual([{ code: 10009, message: "get: 'key not found'" }]);
    const nsErr = await apiError(client.kv.namespaces.keys.list("0".repeat(32), { account_id }));
    expect(nsErr).toBeInstanceOf(NotFoundError);
    expect(nsErr.errors[0]?.code).toBe(10013);
  });

  it("expiration_ttl must be at least 60; expired keys disappear by the fake's clock", async () => {
    const ns = cf.kv.createNamespace("TTL");
    const err = await apiError(
      client.kv.namespaces.values.update("short", { account_id, namespace_id: ns.id, value: "x", expiration_ttl: 30 }),
    );
    expect(err).toBeInstanceOf(BadRequestError);
    expect(err.errors[0]?.message).toBe("Invalid expiration_ttl of 30. Expiration TTL must be at least 60.");

    cf.setNow(Date.parse("2030-06-01T12:00:00Z"));
    await client.kv.namespaces.values.update("counter", { account_id, namespace_id: ns.id, value: "3", expiration_ttl: 3600 });
    const [listed] = (await client.kv.namespaces.keys.list(ns.id, { account_id })).result;
    expect(listed).toMatchObject({ name: "counter", expiration: Date.parse("2030-06-01T13:00:00Z") / 1000 });

    cf.advance(3599_000);
    expect(cf.kv.get(ns.id, "counter")).toBeDefined();
    cf.advance(1_000);
    expect(cf.kv.get(ns.id, "counter")).toBeUndefined();
    const gone = await apiError(client.kv.namespaces.values.get("counter", { account_id, namespace_id: ns.id }));
    expect(gone.errors[0]?.code).toBe(10009);
    expect((await client.kv.namespaces.keys.list(ns.id, { account_id })).result).toEqual([]);
  });

  it("lists 2,500 keys in cursor pages of 1000, sorted, with prefix and limit checks", async () => {
    const ns = cf.kv.createNamespace("MANY");
    const keys = Array.from({ length: 2500 }, (_, i) => `rooms:${String(i).padStart(4, "0")}`);
    for (const k of [...keys].reverse()) cf.kv.put(ns.id, k, "1");
    cf.kv.put(ns.id, "other", "1");

    const start = cf.requests.length;
    const listed: string[] = [];
    for await (const k of client.kv.namespaces.keys.list(ns.id, { account_id, prefix: "rooms:" })) listed.push(k.name);
    expect(listed).toEqual(keys);
    const pages = requestsSince(start);
    expect(pages.map((r) => r.query.cursor !== undefined)).toEqual([false, true, true]);

    const first = await client.kv.namespaces.keys.list(ns.id, { account_id, limit: 10 });
    expect(first.result).toHaveLength(10);
    expect(first.result_info.cursor).toBeTruthy();
    const tooSmall = await apiError(client.kv.namespaces.keys.list(ns.id, { account_id, limit: 5 }));
    expect(tooSmall).toBeInstanceOf(BadRequestError);
  });

  it("bulk write reports unsuccessful keys; a retry writes them", async () => {
    const ns = cf.kv.createNamespace("BULK");
    cf.kv.failBulkKeys((k) => k.endsWith("7"), 1);
    const body = Array.from({ length: 20 }, (_, i) => ({ key: `k:${i}`, value: `v${i}`, metadata: { i } }));
    const first = await client.kv.namespaces.bulkUpdate(ns.id, { account_id, body });
    expect(first).toEqual({ successful_key_count: 18, unsuccessful_keys: ["k:7", "k:17"] });
    expect(cf.kv.get(ns.id, "k:7")).toBeUndefined();

    const retry = await client.kv.namespaces.bulkUpdate(ns.id, {
      account_id,
      body: body.filter((p) => first!.unsuccessful_keys!.includes(p.key)),
    });
    expect(retry).toEqual({ successful_key_count: 2, unsuccessful_keys: [] });
    expect(cf.kv.keys(ns.id)).toHaveLength(20);

    const b64 = await client.kv.namespaces.bulkUpdate(ns.id, {
      account_id,
      body: [{ key: "img", value: Buffer.from([1, 2, 3]).toString("base64"), base64: true, expiration_ttl: 120 }],
    });
    expect(b64?.successful_key_count).toBe(1);
    expect(cf.kv.get(ns.id, "img")?.value).toEqual(new Uint8Array([1, 2, 3]));

    const tooMany = Array.from({ length: 10_001 }, (_, i) => ({ key: `x${i}`, value: "" }));
    const err = await apiError(client.kv.namespaces.bulkUpdate(ns.id, { account_id, body: tooMany }));
    expect(err.status).toBe(413);
  });

  it("bulk get (text, json, with metadata) and bulk delete", async () => {
    const ns = cf.kv.createNamespace("BULKGET");
    cf.kv.put(ns.id, "a", '{"n":1}', { metadata: { m: true } });
    cf.kv.put(ns.id, "b", "plain");

    const text = await client.kv.namespaces.bulkGet(ns.id, { account_id, keys: ["a", "missing"] });
    expect(text).toEqual({ values: { a: '{"n":1}', missing: null } });
    const asJson = await client.kv.namespaces.bulkGet(ns.id, { account_id, keys: ["a"], type: "json", withMetadata: true });
    expect(asJson).toEqual({ values: { a: { value: { n: 1 }, metadata: { m: true } } } });
    const tooMany = await apiError(client.kv.namespaces.bulkGet(ns.id, { account_id, keys: Array.from({ length: 101 }, (_, i) => `k${i}`) }));
    expect(tooMany).toBeInstanceOf(BadRequestError);

    await expect(client.kv.namespaces.bulkDelete(ns.id, { account_id, body: ["a", "b", "never-there"] })).resolves.toEqual({
      successful_key_count: 3,
      unsuccessful_keys: [],
    });
    expect(cf.kv.keys(ns.id)).toEqual([]);
  });

  it("lists namespaces with page/per_page", async () => {
    const titles = new Set<string>();
    for await (const ns of client.kv.namespaces.list({ account_id, per_page: 3 })) titles.add(ns.title);
    expect(titles.has("CACHE")).toBe(true);
    expect(titles.has("BULKGET")).toBe(true);
  });
});
