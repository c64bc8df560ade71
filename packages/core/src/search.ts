/**
 * An ILIKE pattern that matches `text` anywhere, taken literally: `%`, `_` and the escape
 * character itself are escaped (`\` is ILIKE's default escape), so a search for `50%`
 * finds "50%" and not every "50".
 */
export function containing(text: string): string {
  return `%${text.replace(/[\\%_]/g, (character) => `\\${character}`)}%`;
}
