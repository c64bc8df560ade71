// The entry of the bundled server (dist/main.mjs, written by scripts/bundle.mjs around this
// file): it runs the server's CommonJS bundle beside it through a V8 code cache kept beside
// that, so that a start does not parse and compile the bundle's 3.8 MB again. Node 20 has no
// compile cache for ES modules (module.enableCompileCache() is Node 22); a vm.Script can be
// given the bytecode a previous start produced. The first start on a new bundle writes the
// cache; a cache that V8 or the key refuses is written again; one that cannot be written
// (a read-only folder) leaves every start as it was without it.
import { readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import vm from "node:vm";

/**
 * Written this long after the server began to listen: by then the functions a start and its
 * first requests run are compiled, and so in the cache, and the write (~2 MB, a few ms)
 * no longer delays the start.
 */
const CACHE_WRITE_DELAY_MS = 500;

/**
 * @param {string} bodyName the CommonJS bundle, relative to this file
 * @param {string} buildId the bundle's content hash
 */
export async function launchBundle(bodyName, buildId) {
  const bodyFile = fileURLToPath(new URL(bodyName, import.meta.url));
  const cacheFile = `${bodyFile}.v8-cache`;
  // V8 checks its own version and flags and the source's length, not its content: the key
  // adds the build, so a rebuilt bundle of the same length never runs another's bytecode.
  const key = Buffer.from(`${buildId} ${process.version} ${process.arch}\n`);
  const cachedData = readCache(cacheFile, key);
  const source = readFileSync(bodyFile, "utf8");
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: bodyFile,
    cachedData,
    // The bundle's dynamic import()s (ioredis, left outside it) load as node's own would.
    importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(bodyFile), module, bodyFile, dirname(bodyFile));
  await module.exports.runServer(process.env);
  if (cachedData === undefined || script.cachedDataRejected) {
    setTimeout(() => writeCache(script, cacheFile, key), CACHE_WRITE_DELAY_MS).unref();
  }
}

/** The cache's bytecode if it was made for this build, node and architecture. */
function readCache(cacheFile, key) {
  let contents;
  try {
    contents = readFileSync(cacheFile);
  } catch {
    return undefined;
  }
  const ours = contents.length > key.length && contents.subarray(0, key.length).equals(key);
  return ours ? contents.subarray(key.length) : undefined;
}

/** Written whole under another name and renamed, so a start running beside this one reads all or nothing. */
function writeCache(script, cacheFile, key) {
  const temporary = `${cacheFile}.${process.pid}.tmp`;
  try {
    writeFileSync(temporary, Buffer.concat([key, script.createCachedData()]));
    renameSync(temporary, cacheFile);
  } catch {
    try {
      rmSync(temporary, { force: true });
    } catch {
      // nothing was written, or nothing can be
    }
  }
}
