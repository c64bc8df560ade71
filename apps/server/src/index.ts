export { type AppOptions, createApp, MAX_BODY_BYTES } from "./app.ts";
export { loadConfig, type ServerConfig } from "./config.ts";
