import { describe, expect, it } from "vitest";
import { loadConfig } from "./config.ts";

describe("security settings from the environment", () => {
  it("requires keys by default in production only", () => {
    expect(loadConfig({ NODE_ENV: "production" }).auth).toBe("required");
    expect(loadConfig({}).auth).toBe("off");
    expect(loadConfig({ NODE_ENV: "development" }).auth).toBe("off");
    expect(loadConfig({ NODE_ENV: "production", AUTH: "off" }).auth).toBe("off");
    expect(loadConfig({ AUTH: "required" }).auth).toBe("required");
    expect(() => loadConfig({ AUTH: "yes" })).toThrow();
  });

  it("allows 1200 requests a minute by default; 0 turns limits off; REDIS_URL is optional", () => {
    expect(loadConfig({}).rateLimitPerMinute).toBe(1200);
    expect(loadConfig({ RATE_LIMIT_PER_MINUTE: "0" }).rateLimitPerMinute).toBe(0);
    expect(() => loadConfig({ RATE_LIMIT_PER_MINUTE: "-1" })).toThrow();
    expect(loadConfig({}).redisUrl).toBeUndefined();
    expect(loadConfig({ REDIS_URL: "" }).redisUrl).toBeUndefined();
    expect(loadConfig({ REDIS_URL: "redis://127.0.0.1:6379" }).redisUrl).toBe("redis://127.0.0.1:6379");
  });

  it("reads CORS_ORIGINS as a list of exact origins and refuses what could never match", () => {
    expect(loadConfig({}).corsOrigins).toEqual([]);
    expect(
      loadConfig({ CORS_ORIGINS: " https://school.example.org/ , http://localhost:5173" }).corsOrigins,
    ).toEqual(["https://school.example.org", "http://localhost:5173"]);
    for (const bad of ["*", "school.example.org", "https://school.example.org/app"]) {
      expect(() => loadConfig({ CORS_ORIGINS: bad }), bad).toThrow(/CORS_ORIGINS/);
    }
  });

  it("bounds request and header time well below Node's defaults, and caps tRPC batches", () => {
    const defaults = loadConfig({});
    expect(defaults).toMatchObject({
      requestTimeoutMs: 30_000,
      headersTimeoutMs: 10_000,
      trpcMaxBatchSize: 50,
    });
    expect(loadConfig({ REQUEST_TIMEOUT_MS: "5000", HEADERS_TIMEOUT_MS: "2000" })).toMatchObject({
      requestTimeoutMs: 5_000,
      headersTimeoutMs: 2_000,
    });
    expect(() => loadConfig({ REQUEST_TIMEOUT_MS: "5000", HEADERS_TIMEOUT_MS: "6000" })).toThrow(
      /HEADERS_TIMEOUT_MS must not be above REQUEST_TIMEOUT_MS/,
    );
    for (const bad of ["0", "-1", "abc", "1.5"]) {
      expect(() => loadConfig({ REQUEST_TIMEOUT_MS: bad }), bad).toThrow();
      expect(() => loadConfig({ TRPC_MAX_BATCH_SIZE: bad }), bad).toThrow();
    }
    expect(loadConfig({ TRPC_MAX_BATCH_SIZE: "10" }).trpcMaxBatchSize).toBe(10);
  });
});

describe("the OneRoster school", () => {
  it("defaults to Registrar School, registrar-school, and refuses a sourcedId with spaces or none", () => {
    expect(loadConfig({}).school).toEqual({ name: "Registrar School", sourcedId: "registrar-school" });
    expect(loadConfig({ SCHOOL_NAME: " Lovelace High ", SCHOOL_SOURCED_ID: "org-1" }).school).toEqual({
      name: "Lovelace High",
      sourcedId: "org-1",
    });
    for (const bad of ["", "two words", "x".repeat(256)]) {
      expect(() => loadConfig({ SCHOOL_SOURCED_ID: bad }), bad).toThrow();
    }
    expect(() => loadConfig({ SCHOOL_NAME: "  " })).toThrow();
  });
});

describe("the change feed's settings", () => {
  it("keeps events 30 days by default; EVENTS_RETENTION_DAYS changes it, within 1..3650", () => {
    expect(loadConfig({}).events).toEqual({
      retentionDays: 30,
      relayIntervalMs: 200,
      sweepIntervalMs: 600_000,
    });
    expect(loadConfig({ EVENTS_RETENTION_DAYS: "7" }).events.retentionDays).toBe(7);
    for (const bad of ["0", "-1", "1.5", "days", "3651"]) {
      expect(() => loadConfig({ EVENTS_RETENTION_DAYS: bad }), bad).toThrow();
    }
  });
});

describe("the webhooks' settings", () => {
  it("has the contract's defaults; a lease must outlast the timeout; the key is base64 of 32 bytes", () => {
    expect(loadConfig({}).webhooks).toEqual({
      allowPrivateNetworks: false,
      timeoutMs: 10_000,
      retryBaseMs: 5000,
      maxAttempts: 8,
      leaseMs: 25_000,
      pollMs: 100,
      concurrency: 16,
      secretsKey: undefined,
      secretsKeyFile: undefined,
    });
    expect(loadConfig({ WEBHOOK_ALLOW_PRIVATE_NETWORKS: "true" }).webhooks.allowPrivateNetworks).toBe(true);
    expect(loadConfig({ WEBHOOK_TIMEOUT_MS: "1000" }).webhooks.leaseMs).toBe(16_000);
    expect(() => loadConfig({ WEBHOOK_TIMEOUT_MS: "1000", WEBHOOK_LEASE_MS: "1000" })).toThrow(
      /WEBHOOK_LEASE_MS must be above WEBHOOK_TIMEOUT_MS/,
    );
    const key = Buffer.alloc(32, 7);
    expect(loadConfig({ WEBHOOK_SECRETS_KEY: key.toString("base64") }).webhooks.secretsKey).toEqual(key);
    for (const bad of ["short", Buffer.alloc(16).toString("base64")]) {
      expect(() => loadConfig({ WEBHOOK_SECRETS_KEY: bad }), bad).toThrow(/base64 of 32 bytes/);
    }
    for (const bad of ["0", "-1", "1.5", "often"]) {
      expect(() => loadConfig({ WEBHOOK_MAX_ATTEMPTS: bad }), bad).toThrow();
    }
    expect(() => loadConfig({ WEBHOOK_ALLOW_PRIVATE_NETWORKS: "yes" })).toThrow();
  });
});
