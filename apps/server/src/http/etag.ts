import { createHash } from "node:crypto";

/**
 * A strong entity tag (RFC 9110 §8.8.3) of a representation or of a version: the SHA-256
 * of its JSON, 160 bits of it in base64url, quoted.
 */
export function strongEtag(value: unknown): string {
  const digest = createHash("sha256").update(JSON.stringify(value)).digest("base64url");
  return `"${digest.slice(0, 27)}"`;
}

/** The entity tags of an `If-Match` or `If-None-Match` field, or `*`. */
function listedTags(field: string): "*" | string[] {
  if (field.trim() === "*") return "*";
  return field.match(/(?:W\/)?"[\x21\x23-\x7e\x80-\xff]*"/g) ?? [];
}

/** `If-Match` (RFC 9110 §13.1.1): strong comparison, so a weak tag never matches. */
export function ifMatchHolds(field: string, current: string): boolean {
  const tags = listedTags(field);
  return tags === "*" || tags.includes(current);
}

/** `If-None-Match` (RFC 9110 §13.1.2): weak comparison; true when the field matches (answer 304). */
export function ifNoneMatchMatches(field: string | undefined, current: string): boolean {
  if (field === undefined) return false;
  const tags = listedTags(field);
  return tags === "*" || tags.some((tag) => tag.replace(/^W\//, "") === current);
}
