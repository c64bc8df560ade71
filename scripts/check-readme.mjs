#!/usr/bin/env node
// Runs README.md's shell blocks, in order, the way a stranger would: in a fresh clone of
// this repository's HEAD, with an empty HOME, no pnpm on PATH and an npm prefix of its own
// (so the quick start's `npm install --global` lands in a temporary folder, not on this
// machine). Fails on the first command that fails.
//
// What it reads: every ```sh block, unless the line before it is `<!-- readme-check: skip -->`
// (for blocks that show a choice rather than a step). Two commands get special handling:
// `pnpm start` runs in the background until /health/ready answers (and is stopped with
// Ctrl-C's SIGINT at the end, which must exit 0), and `pnpm test` is not run (it is what CI
// runs anyway, and it would run this check's parent).
//
// Usage: node scripts/check-readme.mjs [--keep]   (--keep leaves the temporary folder)
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createConnection } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const keep = process.argv.includes("--keep");
const port = 3000; // the README's examples name it
const baseUrl = `http://127.0.0.1:${port}`;

/** The README's runnable steps: each block's logical lines (continuations joined). */
export function readmeSteps(markdown) {
  const lines = markdown.split("\n");
  const blocks = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() !== "```sh") continue;
    const skip = lines[i - 1]?.trim() === "<!-- readme-check: skip -->";
    const body = [];
    for (i++; i < lines.length && lines[i].trim() !== "```"; i++) body.push(lines[i]);
    if (!skip) blocks.push({ line: i - body.length, commands: logicalLines(body) });
  }
  return blocks;
}

function logicalLines(body) {
  const commands = [];
  let pending = "";
  for (const line of body) {
    if (line.endsWith("\\")) {
      pending += `${line.slice(0, -1)} `;
      continue;
    }
    const command = (pending + line).trim();
    pending = "";
    if (command && !command.startsWith("#")) commands.push(command);
  }
  return commands;
}

/** The command without a trailing `# comment` (outside quotes, which the README avoids there). */
function withoutComment(command) {
  return command.replace(/\s+#\s.*$/, "").trim();
}

function portInUse() {
  return new Promise((resolve) => {
    const socket = createConnection({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

async function waitUntilReady(server, log) {
  const deadline = Date.now() + 180_000;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`pnpm start exited with ${server.exitCode}:\n${log()}`);
    try {
      const response = await fetch(`${baseUrl}/health/ready`);
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`pnpm start did not answer /health/ready within 180 s:\n${log()}`);
}

async function main() {
  if (await portInUse()) {
    console.error(`check-readme: port ${port} is taken; the README's examples need it free.`);
    process.exit(1);
  }
  const blocks = readmeSteps(readFileSync(join(root, "README.md"), "utf8"));
  const work = mkdtempSync(join(tmpdir(), "registrar-readme-"));
  const clone = join(work, "registrar");
  const home = join(work, "home");
  const npmPrefix = join(work, "npm-global");
  mkdirSync(home);
  mkdirSync(npmPrefix);
  const cloned = spawnSync("git", ["clone", "--quiet", root, clone], { stdio: "inherit" });
  if (cloned.status !== 0) process.exit(1);

  // This machine's environment (its CA bundle, locale) as a new user on it would have it,
  // less everything of ours: no pnpm on PATH, no pnpm or npm settings inherited from a
  // running script, a HOME of its own. npm keeps reading the machine's global npmrc.
  const globalNpmrc = spawnSync("npm", ["config", "get", "globalconfig"], { encoding: "utf8" }).stdout.trim();
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(
      ([name]) =>
        !/^(npm_|pnpm_|PNPM_|INIT_CWD$|COREPACK_|NODE_OPTIONS$|REGISTRAR_|PGLITE_DIR$|DATABASE_URL$|PORT$)/i.test(
          name,
        ),
    ),
  );
  const nodeBin = dirname(process.execPath);
  const env = {
    ...inherited,
    PATH: [join(npmPrefix, "bin"), nodeBin, "/usr/local/bin", "/usr/bin", "/bin"].join(":"),
    HOME: home,
    npm_config_prefix: npmPrefix,
    npm_config_globalconfig: globalNpmrc,
    TERM: "dumb",
  };
  let server;
  let serverOutput = "";
  let ran = 0;
  let failure;
  try {
    for (const block of blocks) {
      for (const command of block.commands) {
        const bare = withoutComment(command);
        if (bare === "pnpm test") {
          console.log(`\n[readme:${block.line}] ${command}\n  (not run here: it is what CI runs)`);
          continue;
        }
        console.log(`\n[readme:${block.line}] ${command}`);
        if (bare === "pnpm start") {
          // stdin from /dev/null: Debian's bash reads its bashrc when stdin is a socket
          server = spawn("bash", ["-c", bare], {
            cwd: clone,
            env,
            detached: true,
            stdio: ["ignore", "pipe", "pipe"],
          });
          const keepOutput = (chunk) => {
            serverOutput += chunk;
          };
          server.stdout.on("data", keepOutput);
          server.stderr.on("data", keepOutput);
          await waitUntilReady(server, () => serverOutput);
          console.log("  (serving; runs in the background until the end)");
          ran++;
          continue;
        }
        const result = spawnSync("bash", ["-euo", "pipefail", "-c", command], {
          cwd: clone,
          env,
          stdio: ["ignore", "pipe", "pipe"],
          encoding: "utf8",
          timeout: 600_000,
        });
        const output = `${result.stdout ?? ""}${result.stderr ?? ""}`.trimEnd();
        if (output) console.log(output.replace(/^/gm, "  "));
        if (result.status !== 0) {
          failure = `README line ${block.line}: \`${command}\` exited with ${result.status ?? result.signal}`;
          break;
        }
        ran++;
      }
      if (failure) break;
    }
    if (server && !failure) {
      // Ctrl-C in a terminal: SIGINT to the whole process group.
      process.kill(-server.pid, "SIGINT");
      const code = await new Promise((resolve) => server.once("exit", (exitCode) => resolve(exitCode)));
      if (code !== 0) failure = `pnpm start exited with ${code} after Ctrl-C (SIGINT):\n${serverOutput}`;
    }
  } finally {
    if (server && server.exitCode === null) {
      try {
        process.kill(-server.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    if (!keep) rmSync(work, { recursive: true, force: true });
    else console.log(`\nkept ${work}`);
  }
  if (failure) {
    console.error(`\ncheck-readme: ${failure}`);
    process.exit(1);
  }
  console.log(`\ncheck-readme: ${ran} README commands ran in a fresh clone, none failed`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
