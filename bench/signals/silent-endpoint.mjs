#!/usr/bin/env node
// A loopback server that accepts connections and never answers. Measures (1) how long a run takes
// to give up at the default --timeout with no signal, (2) seconds from a process-group SIGINT to exit.
// Usage: npm run build && node bench/signals/silent-endpoint.mjs
import { spawn } from "node:child_process";
import net from "node:net";
import path from "node:path";

const kanvas = path.resolve(import.meta.dirname, "../../bin/kanvas");
const sockets = new Set();
let onConnection = () => {};
const server = net.createServer((s) => {
  sockets.add(s);
  s.on("error", () => {});
  onConnection();
});
await new Promise((r) => server.listen(0, "127.0.0.1", r));
const port = server.address().port;
const env = {
  ...process.env,
  CLOUDFLARE_ACCOUNT_ID: "0123456789abcdef0123456789abcdef",
  CLOUDFLARE_API_TOKEN: "bench-token",
  CLOUDFLARE_BASE_URL: `http://127.0.0.1:${port}/client/v4`,
  R2_ENDPOINT: `http://127.0.0.1:${port}`,
  R2_ACCESS_KEY_ID: "bench",
  R2_SECRET_ACCESS_KEY: "bench",
};
const cwd = path.resolve(import.meta.dirname, "../.."); // the repo's wrangler.toml

function run(args, interrupt) {
  return new Promise((resolve) => {
    const started = Date.now();
    let sent;
    const child = spawn(process.execPath, [kanvas, ...args], { cwd, env, detached: true, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    if (interrupt) onConnection = () => { onConnection = () => {}; sent = Date.now(); process.kill(-child.pid, "SIGINT"); };
    child.on("exit", (code) => resolve({ code, seconds: (Date.now() - (sent ?? started)) / 1000, stderr: stderr.trim() }));
  });
}

for (const args of [["images", "list", "--remote"], ["db", "query", "SELECT 1", "--remote"]]) {
  const i = await run(args, true);
  console.log(`${args.join(" ")}: SIGINT → exit ${i.code} in ${i.seconds.toFixed(2)} s`);
  const g = await run(args, false);
  console.log(`${args.join(" ")}: no signal → exit ${g.code} after ${g.seconds.toFixed(1)} s\n  ${g.stderr.split("\n").at(-1)}`);
}
for (const s of sockets) s.destroy();
server.close();
