import type { KnownBlock } from "@slack/types";
import { escapeText } from "../text/slack-markup.ts";
import { ageText, type HomeView } from "./home-view.ts";

/** A Home tab view (`views.publish`'s `view`). */
export interface HomeTabView {
  type: "home";
  callback_id?: string;
  blocks: KnownBlock[];
}

/** Lays out a person's Home tab; Block Kit in blocks/app-home.ts. */
export interface HomePresenter {
  home(v: HomeView): HomeTabView;
}

/** A plain-text presenter (tests, and anywhere Block Kit is not wanted): one section of lines. */
export const plainHomePresenter: HomePresenter = {
  home(v) {
    const lines = [
      `Open incidents: ${v.open.length}`,
      ...v.open.map((i) => `${i.severity.toUpperCase()} ${i.title} (${ageText(i.ageMs)})${i.cause ? `: ${i.cause}` : ""}`),
      `Waiting for your approval: ${v.approvals.length}`,
      `Automation: ${v.automation.enabled ? "on" : "off"}`,
      ...v.resolved.map((r) => `${r.title}: ${r.score !== undefined ? `${r.score}/100` : "not graded"}`),
    ];
    return { type: "home", blocks: [{ type: "section", text: { type: "mrkdwn", text: escapeText(lines.join("\n")).slice(0, 3000) } }] };
  },
};
