/**
 * Issue 6 §1 — the fault suite (see reliability-faults.test.ts) for the images commands, which talk
 * to R2's S3 API through the chaos proxy.
 */
import { describe } from "vitest";
import { useFaultRig } from "./helpers/fault-suite/rig.js";
import { s3Scenarios } from "./helpers/fault-suite/scenarios-s3.js";
import { describeFaultSuite } from "./helpers/fault-suite/suite.js";

useFaultRig("reliability-faults-images");

describe("fault suite: every remote command under injected faults", () => {
  describeFaultSuite(s3Scenarios);
});
