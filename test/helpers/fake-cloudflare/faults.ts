/** The fake API's fault injection is the one fault API of the test house: ../faults.ts. */
export * from "../faults.js";
