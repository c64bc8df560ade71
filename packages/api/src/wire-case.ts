/*
 * The one casing boundary between the operations (camelCase, as tRPC speaks) and REST
 * (snake_case): keys of answers and problems on the way out, body field names on the way in.
 */

/** `enrolledAt` → `enrolled_at`, at the type level. */
export type SnakeCase<S extends string> = S extends `${infer Head}${infer Tail}`
  ? `${Head extends Lowercase<Head> ? Head : `_${Lowercase<Head>}`}${SnakeCase<Tail>}`
  : S;

/** A JSON value with every object key in snake_case. */
export type SnakeCased<T> =
  T extends ReadonlyArray<infer Item>
    ? SnakeCased<Item>[]
    : T extends object
      ? { [K in keyof T as K extends string ? SnakeCase<K> : K]: SnakeCased<T[K]> }
      : T;

const keyCache = new Map<string, string>();

export function snakeCaseKey(key: string): string {
  let snake = keyCache.get(key);
  if (snake === undefined) {
    snake = key.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
    keyCache.set(key, snake);
  }
  return snake;
}

/** `term_id` → `termId`, at the type level. */
export type CamelCase<S extends string> = S extends `${infer Head}_${infer Tail}`
  ? `${Head}${Capitalize<CamelCase<Tail>>}`
  : S;

export function camelCaseKey(key: string): string {
  return key.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase());
}

/** The REST wire format: services speak camelCase, REST answers snake_case. */
export function snakeCased<T>(value: T): SnakeCased<T> {
  return convert(value) as SnakeCased<T>;
}

function convert(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(convert);
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const key in value) {
    out[snakeCaseKey(key)] = convert((value as Record<string, unknown>)[key]);
  }
  return out;
}
