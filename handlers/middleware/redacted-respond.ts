import type { RespondFn } from "@slack/bolt";
import { sharedRedactor } from "../../src/redact/redactor.ts";

/** A `respond` whose every reply passes the one redactor (secrets) before it reaches Slack. */
export function redactedRespond(send: RespondFn): RespondFn {
  return (message) => send(typeof message === "string" ? sharedRedactor().text(message, "secrets") : sharedRedactor().redactValue(message, "secrets"));
}
