#!/usr/bin/env node
// The registrar command, run from its TypeScript source (see ./workspace-loader.mjs).
import "./workspace-loader.mjs";

await import("../src/main.ts");
