import type { z } from "zod";
import { AppError } from "../errors.ts";

/** A body that is not what the source sends: answered 400 with the field named. */
export class WebhookParseError extends AppError {
  /** Where in the body, e.g. `alerts[0].labels.alertname`; `body` for the body as a whole. */
  readonly field: string;
  readonly source: string;
  constructor(source: string, field: string, message: string, options: { cause?: unknown } = {}) {
    super("webhook_malformed", `Malformed ${source} webhook: ${field}: ${message}`, { status: 400, cause: options.cause });
    this.name = "WebhookParseError";
    this.source = source;
    this.field = field;
  }
}

/** Missing or wrong signature / token: answered 401. The reason is for logs, not for the sender. */
export class SignatureError extends AppError {
  readonly source: string;
  readonly reason: string;
  constructor(source: string, reason: string) {
    super("webhook_unauthorized", `The ${source} webhook signature is missing or wrong.`, { status: 401, detail: `${source}: ${reason}` });
    this.name = "SignatureError";
    this.source = source;
    this.reason = reason;
  }
}

/** A body over the source's maxBytes: answered 413. */
export class PayloadTooLargeError extends AppError {
  readonly source: string;
  readonly limit: number;
  constructor(source: string, size: number, limit: number) {
    super("webhook_too_large", `The ${source} webhook body is ${size} bytes; the limit is ${limit}.`, { status: 413 });
    this.name = "PayloadTooLargeError";
    this.source = source;
    this.limit = limit;
  }
}

const PLAIN_KEY = /^[A-Za-z_$][\w$-]*$/;

/** Turns a zod issue path into the field name users see: `alerts[0].labels.alertname`. */
export function fieldName(path: ReadonlyArray<PropertyKey>, prefix = ""): string {
  let out = prefix;
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else {
      const key = String(seg);
      out += PLAIN_KEY.test(key) ? (out === "" ? key : `.${key}`) : `[${JSON.stringify(key)}]`;
    }
  }
  return out === "" ? "body" : out;
}

/** The first zod issue as a WebhookParseError (prefix: where the parsed value sits, e.g. `Message`). */
export function fromZodError(source: string, error: z.ZodError, prefix = ""): WebhookParseError {
  const issue = error.issues[0];
  if (!issue) return new WebhookParseError(source, prefix || "body", "invalid", { cause: error });
  return new WebhookParseError(source, fieldName(issue.path, prefix), describeIssue(issue), { cause: error });
}

function describeIssue(issue: z.core.$ZodIssue): string {
  // zod 4 says "Invalid input: expected string, received undefined"; the field is what matters.
  if (issue.code === "invalid_type" && /received undefined/.test(issue.message)) return "required";
  return issue.message.replace(/^Invalid input: /, "");
}
