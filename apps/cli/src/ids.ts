import { MAX_ID, parseId as parseContractId } from "@registrar/sdk";
import { InvalidArgumentError } from "commander";

/** What `parseId` accepts, for messages about an id it refused. */
export const ID_RULE = `must be an integer between 1 and ${MAX_ID}.`;

/** An id as the server accepts it (the contract's rule), around spaces. Undefined otherwise. */
export function parseId(text: string): number | undefined {
  return parseContractId(text.trim());
}

/** commander argument parser for ids: a bad id is a usage error (exit 2), not a request. */
export function idArgument(text: string): number {
  const id = parseId(text);
  if (id === undefined) throw new InvalidArgumentError(`It ${ID_RULE}`);
  return id;
}

/** commander parser for variadic ids (`enroll <student> <course...>`). */
export function idListArgument(text: string, previous: number[] | undefined): number[] {
  return [...(previous ?? []), idArgument(text)];
}

export function integerOption(min: number, max: number) {
  return (text: string): number => {
    const value = Number(text);
    if (!/^-?[0-9]+$/.test(text.trim()) || value < min || value > max) {
      throw new InvalidArgumentError(`It must be an integer between ${min} and ${max}.`);
    }
    return value;
  };
}

/**
 * `--capacity` of an update: seats, or `unlimited` (sent as null; commander turns a parser's
 * null into an empty string, so the word itself is passed on).
 */
export function capacityOption(min: number, max: number) {
  const seats = integerOption(min, max);
  return (text: string): number | "unlimited" => {
    if (text.trim().toLowerCase() === "unlimited") return "unlimited";
    try {
      return seats(text);
    } catch {
      throw new InvalidArgumentError(`It must be an integer between ${min} and ${max}, or unlimited.`);
    }
  };
}

/** A calendar date as the contract writes it; the server checks that it exists. */
export function dateOption(text: string): string {
  const date = text.trim();
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date))
    throw new InvalidArgumentError("It must be a date written YYYY-MM-DD.");
  return date;
}
