/**
 * vitest setupFiles: after each test (and after a file's last hooks), no loopback server may have
 * seen a request it could not place (see unexpected-requests.ts). Unmatched outgoing requests fail
 * the test (DESIGN.md convention 12).
 */
import { afterAll, afterEach, expect } from "vitest";
import { takeUnexpectedRequests } from "./unexpected-requests.js";

const check = () => expect(takeUnexpectedRequests(), "requests no loopback server expected").toEqual([]);
afterEach(check);
afterAll(check);
