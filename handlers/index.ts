import type { App } from "@slack/bolt";
import type { Services } from "../src/app/services.ts";
import { registerFeedbackActions } from "./actions/feedback.ts";
import { registerIncidentCardActions } from "./actions/incident-card.ts";
import { registerPagingActions } from "./actions/paging.ts";
import { registerPostmortemActions } from "./actions/postmortem.ts";
import { registerRemediationActions } from "./actions/remediation.ts";
import { registerShareActions } from "./actions/share.ts";
import { registerTimelineActions } from "./actions/timeline.ts";
import { registerChartActions } from "./actions/charts.ts";
import { registerAisreCommand } from "./commands/aisre.ts";
import { auditSubcommand } from "./commands/audit.ts";
import { autonomySubcommand } from "./commands/autonomy.ts";
import { incidentSubcommand } from "./commands/incident.ts";
import { incidentsSubcommand } from "./commands/incidents.ts";
import { oncallSubcommand } from "./commands/oncall.ts";
import { postmortemSubcommand } from "./commands/postmortem.ts";
import { runbookSubcommand } from "./commands/runbook.ts";
import { statusSubcommand } from "./commands/status.ts";
import type { Subcommand } from "./commands/subcommand.ts";
import { registerAppHome } from "./events/app-home.ts";
import { registerAppMention, type MentionAnswerer } from "./events/app-mention.ts";
import { registerAssistantThreads } from "./events/assistant-thread.ts";
import { registerLinkUnfurls } from "./events/link-shared.ts";
import { registerThreadMessages } from "./events/thread-message.ts";
import { registerDeclareIncidentView } from "./views/declare-incident.ts";
import { registerPostmortemEditView } from "./views/postmortem-edit.ts";

export interface ListenerOptions {
  subcommands?: Subcommand[];
  answerMention?: MentionAnswerer;
}

/** Registers every listener group on the Bolt app. */
export function registerListeners(app: App, services: Services, options: ListenerOptions = {}): void {
  registerAisreCommand(app, services, [statusSubcommand, incidentSubcommand, incidentsSubcommand, oncallSubcommand, runbookSubcommand, autonomySubcommand, auditSubcommand, postmortemSubcommand, ...(options.subcommands ?? [])]);
  // The assistant container first: its middleware takes the DM thread messages it answers.
  registerAssistantThreads(app, services);
  registerAppMention(app, services, options.answerMention);
  registerThreadMessages(app, services);
  registerLinkUnfurls(app, services);
  registerIncidentCardActions(app, services);
  registerTimelineActions(app, services);
  registerChartActions(app, services);
  registerRemediationActions(app, services);
  registerShareActions(app, services);
  registerDeclareIncidentView(app, services);
  registerPagingActions(app, services);
  registerPostmortemActions(app, services);
  registerPostmortemEditView(app, services);
  registerAppHome(app, services);
  registerFeedbackActions(app, services);
}
