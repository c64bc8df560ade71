// Apps in this workspace run from their TypeScript source, with no build step: tsx's loader
// compiles it, and a resolve hook adds the "@registrar/source" export condition, under which
// @registrar/sdk serves its source (its default export is its published build, which would
// need `pnpm build` first and go stale with every edit).
import { register } from "node:module";
import { register as registerTsx } from "tsx/esm/api";

const sourceCondition = `export async function resolve(specifier, context, nextResolve) {
  return nextResolve(specifier, { ...context, conditions: [...context.conditions, "@registrar/source"] });
}`;

registerTsx();
register(`data:text/javascript,${encodeURIComponent(sourceCondition)}`);
