export { KEY_CACHE_TTL_MS } from "./key-verifier.ts";
export {
  type AuthMode,
  isPublicPath,
  type SecurityOptions,
  type SecurityVariables,
  securityMiddleware,
} from "./middleware.ts";
export { withSecurityScheme } from "./openapi-security.ts";
export {
  createMemoryRateLimitStore,
  createRedisRateLimitStore,
  type RateLimitStore,
} from "./rate-limit.ts";
export { trpcContextFor } from "./trpc-context.ts";
