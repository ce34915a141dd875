import { isContentType } from "../../domain/images/content-type.js";

/** --content-type: a MIME type such as image/png (sign, upload). */
export const contentTypeProblem = (v: string): string | undefined => (isContentType(v) ? undefined : "not a content type; use type/subtype, e.g. image/png");
