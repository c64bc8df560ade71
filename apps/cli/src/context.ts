import type { RegistrarClient } from "@registrar/sdk";
import type { Command } from "commander";
import { connect, type GlobalOptions } from "./connection.ts";

export type CommandContext = { client: RegistrarClient; json: boolean };

/** The client and output mode for a command, from the options it inherits from `registrar`. */
export function contextOf(command: Command): CommandContext {
  const options = command.optsWithGlobals<GlobalOptions>();
  return { client: connect(options), json: options.json === true };
}
