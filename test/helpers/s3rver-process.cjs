// Child process that runs s3rver 3.7.1 for tests (see test/helpers/s3-server.ts).
// It is forked with NODE_OPTIONS=--openssl-legacy-provider, without which s3rver's
// ListObjectsV2 fails past 1000 keys (its continuation tokens use a legacy cipher).
// Config comes from the environment; the bound port goes back to the parent over IPC.
'use strict';

const S3rver = require('s3rver');

const directory = process.env.S3RVER_DIR;
const bucket = process.env.S3RVER_BUCKET;
if (!directory || !bucket || typeof process.send !== 'function') {
  console.error('s3rver-process: S3RVER_DIR, S3RVER_BUCKET and an IPC channel are required');
  process.exit(2);
}

const server = new S3rver({
  address: '127.0.0.1',
  port: 0,
  silent: true,
  directory,
  resetOnClose: false,
  configureBuckets: [{ name: bucket, configs: [] }],
});

// An operation s3rver does not implement is an unexpected request for the test that sent it
// (test/helpers/unexpected-requests.ts): report it to the parent. First in the chain, so it sees
// the error s3rver throws before Koa turns it into an answer.
const UNEXPECTED = new Set(['NotImplemented', 'MethodNotAllowed']);
server.middleware.unshift(async (ctx, next) => {
  const report = (code) => process.send({ type: 'unexpected', request: `${ctx.method} ${ctx.url} (${code})` });
  try {
    await next();
  } catch (err) {
    if (err && UNEXPECTED.has(err.code)) report(err.code);
    throw err;
  }
  if (ctx.status === 501 || ctx.status === 405) report(ctx.status);
});

server.run().then(
  (address) => process.send({ type: 'listening', port: address.port }),
  (err) => {
    process.send({ type: 'error', message: String((err && err.stack) || err) });
    process.exit(1);
  },
);

// The parent going away (test crash, Ctrl-C) must not leave an orphan server.
process.on('disconnect', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
