import { existsSync } from "node:fs";
import { dirname } from "node:path";
import { describe, expect, it } from "vitest";
import type { DataDirHolder } from "./data-dir-lock.ts";
import { askOwner, newOwnerChannelPath, OwnerUnreachableError, serveOwnerChannel } from "./owner-channel.ts";

const quiet = { info: () => {} };

function holderAt(channel: string | undefined): DataDirHolder {
  return {
    pid: process.pid,
    host: "here",
    owner: "registrar server",
    since: new Date().toISOString(),
    dirId: "0:0",
    ...(channel ? { channel } : {}),
  };
}

describe("the owner's command socket", () => {
  it("answers a command with its result and attachment; refusals and unknown commands come back as errors", async () => {
    const path = newOwnerChannelPath();
    const attachment = new Uint8Array(3 * 1024 * 1024).map((_, index) => index % 251);
    const channel = await serveOwnerChannel(
      path,
      {
        echo: async (request) => ({ result: { got: request.value } }),
        blob: async () => ({ result: { bytes: attachment.byteLength }, attachment }),
        refuse: async () => {
          throw new Error("Student 7 does not exist.");
        },
      },
      quiet,
    );
    try {
      expect(await askOwner(holderAt(path), { command: "echo", value: [1, "two"] })).toEqual({
        result: { got: [1, "two"] },
        attachment: Buffer.alloc(0),
      });
      const blob = await askOwner(holderAt(path), { command: "blob" });
      expect(Buffer.compare(blob.attachment, Buffer.from(attachment))).toBe(0);
      await expect(askOwner(holderAt(path), { command: "refuse" })).rejects.toThrow(
        "Student 7 does not exist.",
      );
      await expect(askOwner(holderAt(path), { command: "drop tables" })).rejects.toThrow(
        'unknown command "drop tables"',
      );
    } finally {
      await channel.close();
    }
  });

  it("closing waits for a command in progress, then removes the socket's private directory", async () => {
    const path = newOwnerChannelPath();
    let running: () => void = () => {};
    const started = new Promise<void>((resolve) => {
      running = resolve;
    });
    let finish: () => void = () => {};
    const channel = await serveOwnerChannel(
      path,
      {
        slow: () =>
          new Promise((done) => {
            finish = () => done({ result: "finished" });
            running();
          }),
      },
      quiet,
    );
    const answer = askOwner(holderAt(path), { command: "slow" });
    await started;
    const closed = channel.close();
    finish();
    expect((await answer).result).toBe("finished");
    await closed;
    expect(existsSync(dirname(path))).toBe(false);
    await expect(askOwner(holderAt(path), { command: "slow" })).rejects.toBeInstanceOf(OwnerUnreachableError);
  });

  it("a holder without a socket takes no commands", async () => {
    await expect(askOwner(holderAt(undefined), { command: "seed" })).rejects.toThrow("takes no commands");
  });
});
