import type { App } from "@slack/bolt";
import type { BlockButtonAction } from "@slack/bolt";
import { ACTION } from "../../blocks/ids.ts";
import type { Services } from "../../src/app/services.ts";

/**
 * The Home tab: `app_home_opened` (tab `home`) publishes the person's view with `views.publish`;
 * from then on it is republished as incidents, approvals, automation and grades change. The Refresh
 * button republishes at once.
 */
export function registerAppHome(app: App, services: Services): void {
  app.event("app_home_opened", async ({ event }) => {
    if (event.tab && event.tab !== "home") return;
    try {
      await services.home.opened(event.user);
    } catch (e) {
      services.metrics.errors.inc({ code: "app_home" });
      services.logger.error({ err: e, user: event.user }, "publishing the Home tab failed");
    }
  });

  app.action<BlockButtonAction>(ACTION.homeRefresh, async ({ ack, body }) => {
    await ack();
    try {
      await services.home.opened(body.user.id);
    } catch (e) {
      services.metrics.errors.inc({ code: "app_home" });
      services.logger.error({ err: e, user: body.user.id }, "refreshing the Home tab failed");
    }
  });
}
