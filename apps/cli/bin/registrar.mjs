#!/usr/bin/env node
// The registrar command. Apps in this workspace run from their TypeScript source (no build
// step), so the entry registers tsx's loader and then starts the CLI.
import { register } from "tsx/esm/api";

register();
await import("../src/main.ts");
