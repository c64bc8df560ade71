import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from "@registrar/contract";
import {
  createdWebhookSchema,
  createWebhook,
  createWebhookInput,
  deleteWebhook,
  getWebhook,
  idSchema,
  listWebhookDeliveries,
  listWebhooks,
  MAX_LISTED_WEBHOOKS,
  replayWebhook,
  replayWebhookInput,
  webhookDeliveriesInput,
  webhookDeliverySchema,
  webhookSchema,
} from "@registrar/core";
import { z } from "zod";
import { administers } from "./access.ts";
import { defineOperation } from "./define-operation.ts";
import { camelCasedBody, idParams, pageQuery, restBodyOf } from "./rest-schemas.ts";

const tag = "Webhooks";
const byId = z.strictObject({ id: idSchema });
const nextCursor = z.string().max(64).nullable().meta({ description: "null on the last page" });
const replayBody = restBodyOf(replayWebhookInput.omit({ id: true }));

/** Webhook subscriptions (contract v1.1, "Events and webhooks"): admin only. */
export const webhookOperations = {
  create: defineOperation({
    name: "webhooks.create",
    kind: "mutation",
    input: createWebhookInput,
    output: createdWebhookSchema,
    access: administers,
    problems: ["webhook_url_forbidden"],
    run: ({ db }, fields) => createWebhook(db, fields),
    rest: {
      method: "post",
      path: "/webhooks",
      operationId: "createWebhook",
      summary: "Subscribe a URL to events",
      description:
        "`url`: http or https, without credentials (else 400). Its host is resolved now and before every " +
        "delivery: a loopback, private, link-local or unique-local address is refused with 422 " +
        "`webhook_url_forbidden` unless the server runs with WEBHOOK_ALLOW_PRIVATE_NETWORKS=true. " +
        "`event_types`: event types (`student.created`) or resource patterns (`enrollment.*`). The subscription " +
        "receives the events recorded after its creation, signed per Standard Webhooks with the `secret` in " +
        "this answer, which is never shown again.",
      tag,
      body: restBodyOf(createWebhookInput),
      input: ({ body }) => camelCasedBody(body),
      responses: { 201: { description: "The subscription and its signing secret" } },
      status: 201,
      location: (webhook) => `/webhooks/${webhook.id}`,
    },
  }),
  list: defineOperation({
    name: "webhooks.list",
    kind: "query",
    input: undefined,
    output: z.object({ webhooks: z.array(webhookSchema).max(MAX_LISTED_WEBHOOKS) }),
    access: administers,
    problems: [],
    run: ({ db }) => listWebhooks(db),
    rest: {
      method: "get",
      path: "/webhooks",
      operationId: "listWebhooks",
      summary: "List webhook subscriptions",
      description: `Every subscription (the first ${MAX_LISTED_WEBHOOKS}), by id, without secrets.`,
      tag,
      input: () => undefined,
      responses: { 200: { description: "The subscriptions" } },
      status: 200,
    },
  }),
  byId: defineOperation({
    name: "webhooks.byId",
    kind: "query",
    input: byId,
    output: webhookSchema,
    access: administers,
    problems: ["webhook_not_found"],
    run: ({ db }, { id }) => getWebhook(db, id),
    rest: {
      method: "get",
      path: "/webhooks/{id}",
      operationId: "getWebhook",
      summary: "Get a webhook subscription",
      description: "One subscription, without its secret; 404 `webhook_not_found` when there is none.",
      tag,
      params: idParams,
      input: ({ params }) => ({ id: params.id }),
      responses: { 200: { description: "The subscription" } },
      status: 200,
    },
  }),
  delete: defineOperation({
    name: "webhooks.delete",
    kind: "mutation",
    input: byId,
    output: z.object({ id: idSchema, deleted: z.literal(true) }),
    access: administers,
    problems: ["webhook_not_found"],
    run: async ({ db }, { id }) => {
      await deleteWebhook(db, id);
      return { id, deleted: true as const };
    },
    rest: {
      method: "delete",
      path: "/webhooks/{id}",
      operationId: "deleteWebhook",
      summary: "Delete a webhook subscription",
      description: "Deletes the subscription and its deliveries; 204. Nothing more is sent to it.",
      tag,
      params: idParams,
      input: ({ params }) => ({ id: params.id }),
      responses: { 204: { description: "Deleted" } },
      status: 204,
    },
  }),
  deliveries: defineOperation({
    name: "webhooks.deliveries",
    kind: "query",
    input: webhookDeliveriesInput,
    output: z.object({ deliveries: z.array(webhookDeliverySchema).max(MAX_PAGE_SIZE), nextCursor }),
    access: administers,
    problems: ["webhook_not_found"],
    run: ({ db }, input) => listWebhookDeliveries(db, input),
    rest: {
      method: "get",
      path: "/webhooks/{id}/deliveries",
      operationId: "listWebhookDeliveries",
      summary: "List a subscription's delivery attempts",
      description:
        "One row per attempt, oldest first, `limit` at a time (1.." +
        `${MAX_PAGE_SIZE}, default ${DEFAULT_PAGE_SIZE}): \`event_id\`, \`attempt\` (from 1), the receiver's ` +
        "`status_code` (null without an answer), `error`, `at` (when it started) and `next_attempt_at` (null " +
        "when delivered, given up after the last attempt, or still in flight).",
      tag,
      params: idParams,
      query: pageQuery,
      input: ({ params, query }) => ({ ...query, id: params.id }),
      responses: { 200: { description: "A page of delivery attempts" } },
      status: 200,
    },
  }),
  replay: defineOperation({
    name: "webhooks.replay",
    kind: "mutation",
    input: replayWebhookInput,
    output: webhookSchema,
    access: administers,
    problems: ["webhook_not_found"],
    run: ({ db }, input) => replayWebhook(db, input),
    rest: {
      method: "post",
      path: "/webhooks/{id}/replay",
      operationId: "replayWebhook",
      summary: "Deliver again from an event id (extension)",
      description:
        "Not in the contract: moves the subscription back (or forward) so that its next delivery is the " +
        "first kept event with an id of at least `from_event_id` that it subscribes to; the event in " +
        "progress, if any, is dropped. Answers the subscription.",
      tag,
      params: idParams,
      body: replayBody,
      input: ({ params, body }) => ({ ...camelCasedBody(body), id: params.id }),
      responses: { 200: { description: "The subscription, its cursor moved" } },
      status: 200,
    },
  }),
};
