import { open } from "@registrar/api";
import { RequestProblem } from "@registrar/core";
import { RegistrarModel } from "@registrar/db";
import { z } from "zod";
import { defineRoute } from "../http/define-route.ts";

const healthSchema = z.object({ status: z.literal("ok") }).meta({ id: "Health" });
const READY_TIMEOUT_MS = 2_000;

export const healthRoutes = [
  defineRoute({
    method: "get",
    path: "/health/live",
    operationId: "live",
    summary: "The process is up",
    description:
      "200 whenever the process can answer HTTP; it does not touch the database. For liveness probes. " +
      "Not rate limited and open without an API key.",
    tag: "Health",
    usesDatabase: false,
    responses: { 200: { description: "Alive", schema: healthSchema } },
    problems: [],
    access: open,
    input: () => undefined,
    async handle() {
      return { status: 200, body: { status: "ok" } };
    },
  }),
  defineRoute({
    method: "get",
    path: "/health/ready",
    operationId: "ready",
    summary: "The database answers: ready for traffic",
    description:
      "200 when the database answers `select 1` within 2 s, else 503 `service_unavailable`. For readiness " +
      "probes. Not rate limited and open without an API key.",
    tag: "Health",
    responses: { 200: { description: "Ready", schema: healthSchema } },
    problems: [],
    access: open,
    input: () => undefined,
    async handle(_input, { db }) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error("readiness probe timed out")), READY_TIMEOUT_MS);
      });
      try {
        await Promise.race([RegistrarModel.ping(db), timeout]);
      } catch {
        throw new RequestProblem("service_unavailable", "The database cannot be reached.");
      } finally {
        clearTimeout(timer);
      }
      return { status: 200, body: { status: "ok" } };
    },
  }),
];
