/** Webhook ingestion: pure parsing and verification of every `POST /webhooks/<source>`. */
export type { ExternalEvent, ParsedDelivery, ReceivedWebhook, SecretSpec, SecretSpecs, SecretValues, SourceSecrets, VerifyResult, WebhookRequest, WebhookSource } from "./types.ts";
export { defineSource } from "./types.ts";
export { PayloadTooLargeError, SignatureError, WebhookParseError, fieldName } from "./errors.ts";
export { getSource, receiveDelivery, SOURCE_NAMES, secretSpecs, SOURCES, webhookSources } from "./registry.ts";
export { AlertSchema, ChangeEventSchema, redeliveryKey, serviceFromLabels, severityFromLabels, severityFromWord } from "./normalize.ts";
