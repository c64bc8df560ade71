import type { Command } from "commander";
import { integerOption } from "./ids.ts";
import { printNote } from "./output.ts";

export type PageOptions = { limit?: number; cursor?: string; all?: boolean };
export type Page<Item> = { items: Item[]; nextCursor: string | null };
type PageRequest = { limit: number; cursor?: string };

/** The server's largest page, used to walk everything with `--all`. */
const MAX_PAGE = 200;

export function addPageOptions(command: Command): Command {
  return command
    .option("--limit <n>", "items per page, 1..200 (default 50)", integerOption(1, MAX_PAGE))
    .option("--cursor <cursor>", "continue after a previous page (its next cursor)")
    .option("--all", "fetch every page");
}

/** One page, or with `--all` every page from the cursor on, concatenated. */
export async function fetchPages<Item>(
  fetchPage: (request: PageRequest) => Promise<Page<Item>>,
  options: PageOptions,
): Promise<Page<Item>> {
  const limit = options.limit ?? (options.all ? MAX_PAGE : 50);
  let page = await fetchPage({ limit, ...(options.cursor ? { cursor: options.cursor } : {}) });
  if (!options.all) return page;
  const items = [...page.items];
  while (page.nextCursor) {
    page = await fetchPage({ limit, cursor: page.nextCursor });
    items.push(...page.items);
  }
  return { items, nextCursor: null };
}

/** For people: how to get the next page, on stderr. */
export function noteNextPage(commandLine: string, nextCursor: string | null): void {
  if (nextCursor) printNote(`more: ${commandLine} --cursor ${nextCursor}   (or --all)`);
}
