import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from "@registrar/sdk";
import type { Command } from "commander";
import { integerOption } from "./ids.ts";
import { type Column, printJson, printNote, printTable } from "./output.ts";

export type PageOptions = { limit?: number; cursor?: string; all?: boolean };
export type Page<Item> = { items: Item[]; nextCursor: string | null };
type PageRequest = { limit: number; cursor?: string };

export function addPageOptions(command: Command): Command {
  return command
    .option(
      "--limit <n>",
      `items per page, 1..${MAX_PAGE_SIZE} (default ${DEFAULT_PAGE_SIZE})`,
      integerOption(1, MAX_PAGE_SIZE),
    )
    .option("--cursor <cursor>", "continue after a previous page (its next cursor)")
    .option("--all", "fetch every page");
}

/** One page, or with `--all` every page from the cursor on, concatenated. */
export async function fetchPages<Item>(
  fetchPage: (request: PageRequest) => Promise<Page<Item>>,
  options: PageOptions,
): Promise<Page<Item>> {
  // `--all` walks everything in the server's largest pages
  const limit = options.limit ?? (options.all ? MAX_PAGE_SIZE : DEFAULT_PAGE_SIZE);
  let page = await fetchPage({ limit, ...(options.cursor ? { cursor: options.cursor } : {}) });
  if (!options.all) return page;
  const items = [...page.items];
  while (page.nextCursor) {
    page = await fetchPage({ limit, cursor: page.nextCursor });
    items.push(...page.items);
  }
  return { items, nextCursor: null };
}

/** How a list command shows its page. */
export type Listing<Item> = {
  /** the JSON member holding the items, e.g. `students` */
  key: string;
  /** JSON members printed before the items, e.g. `{ studentId }` */
  before?: Record<string, unknown>;
  columns: ReadonlyArray<Column<Item>>;
  /** the line printed instead of an empty table */
  empty: string;
  /** the command that asks for the next page */
  commandLine: string;
};

/** A page as every list command prints it: JSON for scripts; a table and, on stderr, how to get more for people. */
export function printPage<Item>(page: Page<Item>, json: boolean, listing: Listing<Item>): void {
  if (json) {
    printJson({ ...listing.before, [listing.key]: page.items, nextCursor: page.nextCursor });
    return;
  }
  printTable(page.items, listing.columns, listing.empty);
  if (page.nextCursor) {
    printNote(`more: ${listing.commandLine} --cursor ${page.nextCursor}   (or --all)`);
  }
}
