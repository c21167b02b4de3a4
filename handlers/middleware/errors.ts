import type { RespondFn } from "@slack/bolt";
import { errorMessage, isAppError } from "../../src/errors.ts";
import type { Logger } from "../../src/log.ts";
import type { AppMetrics } from "../../src/observability/metrics.ts";

/**
 * The one error hook for listeners: known errors become a friendly ephemeral reply with their
 * code; anything else is logged with its context and the user gets a short apology with a reference.
 */
export async function reportListenerError(e: unknown, ctx: { logger: Logger; metrics?: AppMetrics; respond?: RespondFn; user?: string; incidentId?: string; what: string }): Promise<void> {
  const log = ctx.logger.child({ user: ctx.user, incident: ctx.incidentId, listener: ctx.what });
  const code = isAppError(e) ? e.code : "internal";
  ctx.metrics?.errors.inc({ code });
  let text: string;
  if (isAppError(e)) {
    log.warn({ code: e.code, err: e }, e.message);
    text = `:warning: ${e.userMessage}`;
  } else {
    const ref = Date.now().toString(36);
    log.error({ err: e, ref }, `listener failed: ${errorMessage(e)}`);
    text = `:x: Something went wrong while handling that (ref \`${ref}\`). The error is logged; please try again.`;
  }
  if (ctx.respond) {
    await ctx.respond({ response_type: "ephemeral", replace_original: false, text }).catch((re: unknown) => log.error({ err: re }, "could not deliver the error reply"));
  }
}
