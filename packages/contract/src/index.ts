/**
 * @registrar/contract: facts of the wire contract that the server and its clients must agree
 * on (the id rule, page sizes and other limits, the problem codes and their extras), so that
 * none of them copies one. No dependencies and no Node globals: it runs anywhere the SDK
 * does, and the published SDK carries it inlined (packages/sdk/scripts/build-js.mjs).
 */
export * from "./ids.ts";
export * from "./limits.ts";
export * from "./problems.ts";
export * from "./trpc.ts";
