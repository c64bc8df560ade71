/** Ids are PostgreSQL `integer` keys: 1..MAX_ID. */
export const MAX_ID = 2_147_483_647;

/** The most digits an id written in plain decimal has (`2147483647`). */
export const ID_MAX_DIGITS = 10;

/**
 * 1..2147483647 in plain decimal, exactly (no sign, leading zero, fraction or exponent), as
 * one regular expression: the OpenAPI document publishes it, so a client can check an id the
 * way the server does. Ten-digit ids are spelled out digit by digit below 2147483647.
 */
export const ID_PATTERN =
  /^(?:[1-9][0-9]{0,8}|1[0-9]{9}|20[0-9]{8}|21[0-3][0-9]{7}|214[0-6][0-9]{6}|2147[0-3][0-9]{5}|21474[0-7][0-9]{4}|214748[0-2][0-9]{3}|2147483[0-5][0-9]{2}|21474836[0-3][0-9]|214748364[0-7])$/;

/** The id rule in words, for messages about an id it refused. */
export const ID_RULE = `an integer between 1 and ${MAX_ID} in plain decimal`;

/** An id as written in a path or on a command line, by the server's rule; undefined otherwise. */
export function parseId(text: string): number | undefined {
  return text.length <= ID_MAX_DIGITS && ID_PATTERN.test(text) ? Number(text) : undefined;
}
