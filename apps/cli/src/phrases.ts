/** Pieces of the sentences the CLI prints, so that every command says things the same way. */

/** `1 seat`, `30 seats`. */
export function counted(count: number, noun: string, plural = `${noun}s`): string {
  return `${count} ${count === 1 ? noun : plural}`;
}

/** `Algebra (course 3)`, or `course 3` when the name is not known. */
export function courseLabel(id: number | string, name?: string | null): string {
  return name ? `${name} (course ${id})` : `course ${id}`;
}

/** `a`, `a and b`, `a, b and c`. */
export function listed(items: readonly string[]): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} and ${items.at(-1)}`;
}
