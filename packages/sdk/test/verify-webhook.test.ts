import { createHmac, randomBytes } from "node:crypto";
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { verifyWebhook, WebhookVerificationError } from "../src/index.ts";

const secret = `whsec_${randomBytes(32).toString("base64")}`;
const body = JSON.stringify({
  id: "42",
  type: "student.created",
  occurred_at: "2026-12-02T00:00:00.000Z",
  data: { id: 7 },
});
const nowSeconds = () => Math.floor(Date.now() / 1000);

function theirHeaders(id: string, at: Date, payload = body, key = secret): Record<string, string> {
  return {
    "webhook-id": id,
    "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
    "webhook-signature": new Webhook(key).sign(id, at, payload),
  };
}

async function refusal(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(WebhookVerificationError);
  return (error as WebhookVerificationError).reason;
}

describe("verifyWebhook, against the standardwebhooks library", () => {
  it("verifies what standardwebhooks signs, as a string, bytes, a Headers object or any header case", async () => {
    const headers = theirHeaders("42", new Date());
    await expect(verifyWebhook(secret, body, headers)).resolves.toMatchObject({ id: "42", data: { id: 7 } });
    await expect(
      verifyWebhook(secret, new TextEncoder().encode(body), new Headers(headers)),
    ).resolves.toMatchObject({
      type: "student.created",
    });
    const upper = Object.fromEntries(
      Object.entries(headers).map(([name, value]) => [name.toUpperCase(), value]),
    );
    await expect(verifyWebhook(secret, body, upper)).resolves.toMatchObject({ id: "42" });
  });

  it("signs so that standardwebhooks verifies: the same HMAC over id.timestamp.body", async () => {
    const timestamp = nowSeconds();
    const mac = createHmac("sha256", Buffer.from(secret.slice("whsec_".length), "base64"))
      .update(`43.${timestamp}.${body}`)
      .digest("base64");
    const headers = {
      "webhook-id": "43",
      "webhook-timestamp": String(timestamp),
      "webhook-signature": `v1,${mac}`,
    };
    expect(new Webhook(secret).verify(body, headers)).toMatchObject({ id: "42" });
    await expect(verifyWebhook(secret, body, headers)).resolves.toMatchObject({ id: "42" });
  });

  it("accepts any one of several space-separated signatures (a rotated secret), and ignores other versions", async () => {
    const other = `whsec_${randomBytes(32).toString("base64")}`;
    const at = new Date();
    const good = theirHeaders("44", at);
    const stale = theirHeaders("44", at, body, other);
    const signature = `v1a,${randomBytes(32).toString("base64")} ${stale["webhook-signature"]} ${good["webhook-signature"]}`;
    await expect(
      verifyWebhook(secret, body, { ...good, "webhook-signature": signature }),
    ).resolves.toMatchObject({
      id: "42",
    });
    expect(await refusal(verifyWebhook(other, body, good))).toBe("no_matching_signature");
  });

  it("refuses a changed body, another id, a missing header and a bad secret", async () => {
    const headers = theirHeaders("45", new Date());
    expect(await refusal(verifyWebhook(secret, `${body} `, headers))).toBe("no_matching_signature");
    expect(await refusal(verifyWebhook(secret, body, { ...headers, "webhook-id": "46" }))).toBe(
      "no_matching_signature",
    );
    const { "webhook-signature": _dropped, ...unsigned } = headers;
    expect(await refusal(verifyWebhook(secret, body, unsigned))).toBe("missing_header");
    expect(await refusal(verifyWebhook("whsec_not*base64", body, headers))).toBe("invalid_secret");
    expect(await refusal(verifyWebhook(secret, body, { ...headers, "webhook-timestamp": "soon" }))).toBe(
      "invalid_timestamp",
    );
  });

  it("refuses timestamps more than 5 minutes away, either way, as standardwebhooks does", async () => {
    const old = theirHeaders("47", new Date(Date.now() - 301_000));
    const future = theirHeaders("47", new Date(Date.now() + 301_000));
    expect(await refusal(verifyWebhook(secret, body, old))).toBe("timestamp_too_old");
    expect(await refusal(verifyWebhook(secret, body, future))).toBe("timestamp_too_new");
    expect(() => new Webhook(secret).verify(body, old)).toThrow();
    const recent = theirHeaders("47", new Date(Date.now() - 200_000));
    await expect(verifyWebhook(secret, body, recent)).resolves.toMatchObject({ id: "42" });
    await expect(verifyWebhook(secret, body, old, { toleranceSeconds: 600 })).resolves.toMatchObject({
      id: "42",
    });
  });
});
