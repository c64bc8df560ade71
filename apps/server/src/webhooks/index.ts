export { postWebhook, type WebhookPost, type WebhookPostResult } from "./deliver.ts";
export { defaultSecretsKeyFile, loadWebhookSecretsKey } from "./secrets-key.ts";
export { startWebhookWorker, type WebhookWorker, type WebhookWorkerOptions } from "./worker.ts";
