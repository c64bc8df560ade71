/**
 * The contract accepts ids only "in plain decimal": `1e3` or `1.0` in a body are refused
 * like `1e3` in a path. JSON.parse would turn them into 1000 and 1 without a trace, so
 * before parsing, number literals written with a fraction or an exponent are replaced by a
 * marked string, which no numeric field accepts. (Every number Registrar takes is an
 * integer, so this never refuses a legitimate value.)
 */
export const NON_PLAIN_NUMBER = "\u0000non-plain-number:";

const maybeNonPlain = /[0-9][.eE]/;
const numberLiteral = /-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/y;

export function markNonPlainNumbers(text: string): string {
  if (!maybeNonPlain.test(text)) return text;
  let out = "";
  let copiedUpTo = 0;
  let i = 0;
  while (i < text.length) {
    const ch = text.charCodeAt(i);
    if (ch === 0x22 /* " */) {
      i += 1;
      while (i < text.length && text.charCodeAt(i) !== 0x22) i += text.charCodeAt(i) === 0x5c /* \ */ ? 2 : 1;
      i += 1;
      continue;
    }
    if (ch === 0x2d /* - */ || (ch >= 0x30 && ch <= 0x39)) {
      numberLiteral.lastIndex = i;
      const match = numberLiteral.exec(text);
      if (!match) {
        i += 1;
        continue;
      }
      if (match[1] !== undefined || match[2] !== undefined) {
        out += text.slice(copiedUpTo, i) + JSON.stringify(NON_PLAIN_NUMBER + match[0]);
        copiedUpTo = i + match[0].length;
      }
      i += match[0].length;
      continue;
    }
    i += 1;
  }
  return out + text.slice(copiedUpTo);
}

export function isNonPlainNumber(value: unknown): value is string {
  return typeof value === "string" && value.startsWith(NON_PLAIN_NUMBER);
}
