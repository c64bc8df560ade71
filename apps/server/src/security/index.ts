export { type AuthMode, isPublicPath } from "./authentication.ts";
export type { SecurityVariables } from "./guard.ts";
export { KEY_CACHE_TTL_MS } from "./key-verifier.ts";
export { type SecurityOptions, securityMiddleware } from "./layers.ts";
export { withSecurityScheme } from "./openapi-security.ts";
export {
  createMemoryRateLimitStore,
  createRedisRateLimitStore,
  type RateLimitStore,
} from "./rate-limit.ts";
export { trpcContextFor } from "./trpc-context.ts";
