// Runs the test suite's fake Cloudflare API (test/helpers/fake-cloudflare) for the KV benchmarks.
// Started by bulk-remote.mjs as `node --import tsx bench/kv/fake-server.ts`: prints one JSON line
// {baseURL, token, accountId, namespaceId}, then answers each stdin line:
//   "report" → {requests: {"PUT /bulk": n, …}, keys: <visible keys>} and clears the request log
//   "reset"  → a fresh, empty namespace id
//   "delay <ms>" → every later request is answered after <ms> (a stand-in for the round trip to Cloudflare)
import readline from "node:readline";
import { startFakeCloudflare } from "../../test/helpers/fake-cloudflare/index.js";

// Validating 50,000-pair bodies against the OpenAPI description costs seconds and measures the fake, not the tools.
const fake = await startFakeCloudflare({ validate: false });
let ns = fake.kv.createNamespace("bench").id;
console.log(JSON.stringify({ baseURL: fake.baseURL, token: fake.token, accountId: fake.accountId, namespaceId: ns }));
for await (const line of readline.createInterface({ input: process.stdin })) {
  if (line === "report") {
    const requests: Record<string, number> = {};
    for (const r of fake.requests) {
      const name = `${r.method} ${r.path.replace(/^.*\/storage\/kv\/namespaces\/[^/]+/, "")} ${r.status}`;
      requests[name] = (requests[name] ?? 0) + 1;
    }
    fake.requests.length = 0;
    console.log(JSON.stringify({ requests, keys: fake.kv.keys(ns).length, unmatched: fake.unmatched.splice(0) }));
  } else if (line.startsWith("delay ")) {
    fake.faults.clear();
    const delayMs = Number(line.slice(6));
    if (delayMs > 0) fake.faults.inject({ delayMs, times: Number.MAX_SAFE_INTEGER });
    console.log(JSON.stringify({ delayMs }));
  } else if (line === "reset") {
    ns = fake.kv.createNamespace(`bench-${Date.now()}`).id;
    fake.requests.length = 0;
    console.log(JSON.stringify({ namespaceId: ns }));
  }
}
await fake.close();
