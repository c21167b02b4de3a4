import type { App } from "@slack/bolt";
import { incidentUnfurl } from "../../blocks/incident-unfurl.ts";
import type { Services } from "../../src/app/services.ts";
import { incidentIdFromUrl } from "../../src/incident/incident-links.ts";
import { reportListenerError } from "../middleware/errors.ts";

/**
 * Links to aisre incidents (`<PUBLIC_URL>/incidents/<id>`, a domain in manifest.yml's
 * `unfurl_domains`) unfurl into the incident at a glance: Slack sends `link_shared`, aisre answers
 * with `chat.unfurl` (by channel and ts for a posted message, by `unfurl_id` and `source` in the
 * composer). Links to unknown incidents are left alone.
 */
export function registerLinkUnfurls(app: App, services: Services): void {
  app.event("link_shared", async ({ event, client }) => {
    try {
      const unfurls: Record<string, ReturnType<typeof incidentUnfurl>> = {};
      for (const l of event.links) {
        const id = incidentIdFromUrl(l.url);
        const incident = id ? await services.store.incidents.get(id) : undefined;
        if (!incident) continue;
        const card = await services.store.incidents.card(incident.id);
        const root = await services.store.slackMessages.get(incident.id, "root");
        const permalink = root ? (await client.chat.getPermalink({ channel: root.channel, message_ts: root.ts }).catch(() => undefined))?.permalink : undefined;
        unfurls[l.url] = incidentUnfurl(incident, card, permalink);
      }
      if (!Object.keys(unfurls).length) return;
      const where = event.source === "composer" && event.unfurl_id ? { unfurl_id: event.unfurl_id, source: "composer" as const } : { channel: event.channel, ts: event.message_ts };
      await client.chat.unfurl({ ...where, unfurls } as Parameters<typeof client.chat.unfurl>[0]);
    } catch (e) {
      await reportListenerError(e, { logger: services.logger, metrics: services.metrics, user: event.user, what: "link_shared" });
    }
  });
}
