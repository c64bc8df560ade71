import { mkdtempSync, rmSync } from "node:fs";
import { createConnection, createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import type { DataDirHolder } from "./data-dir-lock.ts";

/**
 * While a server owns a PGlite directory nobody else may open it, so the few things an
 * operator does next to a running server (`pnpm db:seed`, `pnpm keys`, `pnpm db:backup`) are
 * done by the server, asked over a local socket. The socket's path is in the lock record
 * (`channel`), inside a directory only the server's user can enter (mode 0700): whoever can
 * use it could as well read the data directory.
 *
 * One request per connection: a JSON line from the client; a JSON line back,
 * `{ ok: true, result, attachmentBytes }` followed by that many raw bytes (a backup), or
 * `{ ok: false, error }`.
 */

export type OwnerRequest = { command: string } & Record<string, unknown>;
export type OwnerAnswer = { result: unknown; attachment?: Uint8Array };
export type OwnerCommands = Record<string, (request: OwnerRequest) => Promise<OwnerAnswer>>;

/** The start of the name of each command socket's folder in the temp directory. */
export const ownerChannelFolderPrefix = "registrar-owner-";

/** A fresh socket path in a private directory, to record in the lock before serving on it. */
export function newOwnerChannelPath(): string {
  return join(mkdtempSync(join(tmpdir(), ownerChannelFolderPrefix)), "socket");
}

/**
 * Removes the folder of a command socket that `newOwnerChannelPath` made, for a holder that
 * died without closing it. A path of any other shape (a lock record is a file anyone who
 * can write the data directory could edit) is left alone.
 */
export function removeOwnerChannel(path: string): void {
  const folder = dirname(path);
  if (basename(path) !== "socket" || !basename(folder).startsWith(ownerChannelFolderPrefix)) return;
  if (dirname(folder) !== tmpdir()) return;
  try {
    rmSync(folder, { recursive: true, force: true });
  } catch {
    // left as it was: a folder the new holder may not remove must not cost it the lock
  }
}

/** A request larger than this is not one of ours. */
const maxRequestBytes = 64 * 1024;

export type OwnerChannel = { close(): Promise<void> };

export async function serveOwnerChannel(
  path: string,
  commands: OwnerCommands,
  log: { info(details: object, message: string): void },
): Promise<OwnerChannel> {
  /** Connections that have not sent a whole request yet: nothing to finish for them. */
  const waiting = new Set<Socket>();
  const busy = new Set<Promise<void>>();
  const server: Server = createServer((socket) => {
    waiting.add(socket);
    socket.once("close", () => waiting.delete(socket));
    socket.on("error", () => socket.destroy());
    let buffered = "";
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString("utf8");
      const end = buffered.indexOf("\n");
      if (end < 0) {
        if (buffered.length > maxRequestBytes) socket.destroy();
        return;
      }
      socket.off("data", onData);
      waiting.delete(socket);
      const answering = answer(socket, buffered.slice(0, end));
      busy.add(answering);
      void answering.finally(() => busy.delete(answering));
    };
    socket.on("data", onData);
  });
  const answer = async (socket: Socket, line: string) => {
    let header: object;
    let attachment: Uint8Array | undefined;
    let command: unknown;
    try {
      const request = JSON.parse(line) as OwnerRequest;
      command = request.command;
      const run = typeof request.command === "string" ? commands[request.command] : undefined;
      if (!run) throw new Error(`unknown command ${JSON.stringify(request.command)}`);
      const answered = await run(request);
      attachment = answered.attachment;
      header = { ok: true, result: answered.result, attachmentBytes: attachment?.byteLength ?? 0 };
      log.info({ command }, "ran a command for another process");
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      header = { ok: false, error: message };
      log.info({ command, error: message }, "refused a command for another process");
    }
    socket.write(`${JSON.stringify(header)}\n`);
    if (attachment) socket.end(attachment);
    else socket.end();
  };
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(path, () => {
      server.off("error", reject);
      resolve();
    });
  });
  return {
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of waiting) socket.destroy();
      await Promise.allSettled([...busy]);
      await closed;
      rmSync(dirname(path), { recursive: true, force: true });
    },
  };
}

export class OwnerUnreachableError extends Error {
  override readonly name = "OwnerUnreachableError";
}

/** Asks the process in `holder` to run `request`; rejects with the owner's error message. */
export function askOwner(
  holder: DataDirHolder,
  request: OwnerRequest,
): Promise<{ result: unknown; attachment: Buffer }> {
  const path = holder.channel;
  return new Promise((resolve, reject) => {
    if (!path) {
      reject(new OwnerUnreachableError(`pid ${holder.pid} (${holder.owner}) takes no commands`));
      return;
    }
    const socket = createConnection(path);
    const chunks: Buffer[] = [];
    socket.once("connect", () => socket.write(`${JSON.stringify(request)}\n`));
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.once("error", (error: NodeJS.ErrnoException) => {
      const why =
        error.code === "ENOENT" || error.code === "ECONNREFUSED"
          ? "it is still starting or stopping; try again in a moment"
          : error.message;
      reject(new OwnerUnreachableError(`pid ${holder.pid} (${holder.owner}) did not answer: ${why}`));
    });
    socket.once("end", () => {
      const all = Buffer.concat(chunks);
      const end = all.indexOf(0x0a);
      if (end < 0) {
        reject(new OwnerUnreachableError(`pid ${holder.pid} (${holder.owner}) closed without an answer`));
        return;
      }
      const header = JSON.parse(all.subarray(0, end).toString("utf8")) as
        | { ok: true; result: unknown; attachmentBytes: number }
        | { ok: false; error: string };
      if (!header.ok) {
        reject(new Error(header.error));
        return;
      }
      const attachment = all.subarray(end + 1);
      if (attachment.byteLength !== header.attachmentBytes) {
        reject(new OwnerUnreachableError(`pid ${holder.pid} (${holder.owner}) sent a truncated answer`));
        return;
      }
      resolve({ result: header.result, attachment });
    });
  });
}
