import type { View } from "@slack/types";
import { SEVERITIES } from "../src/domain/alert.ts";
import { BLOCK, INPUT, VIEW } from "./ids.ts";
import { escapeMrkdwn } from "./mrkdwn.ts";

/** The `/aisre incident declare` modal: title, severity, service. */
export function declareIncidentModal(options: { services: string[]; channel: string; initialService?: string }): View {
  const serviceOptions = options.services.slice(0, 100).map((s) => ({ text: { type: "plain_text" as const, text: escapeMrkdwn(s.slice(0, 60)).slice(0, 75) }, value: s }));
  return {
    type: "modal",
    callback_id: VIEW.declareIncident,
    private_metadata: JSON.stringify({ channel: options.channel }),
    title: { type: "plain_text", text: "Declare an incident" },
    submit: { type: "plain_text", text: "Declare" },
    close: { type: "plain_text", text: "Cancel" },
    blocks: [
      { type: "input", block_id: BLOCK.declareTitle, label: { type: "plain_text", text: "What is wrong?" }, element: { type: "plain_text_input", action_id: INPUT.title, max_length: 140, placeholder: { type: "plain_text", text: "Checkout failing for EU customers" } } },
      {
        type: "input",
        block_id: BLOCK.declareSeverity,
        label: { type: "plain_text", text: "Severity" },
        element: {
          type: "static_select",
          action_id: INPUT.severity,
          initial_option: { text: { type: "plain_text", text: "SEV2" }, value: "sev2" },
          options: SEVERITIES.map((s) => ({ text: { type: "plain_text" as const, text: s.toUpperCase() }, value: s })),
        },
      },
      serviceOptions.length
        ? {
            type: "input",
            block_id: BLOCK.declareService,
            optional: true,
            label: { type: "plain_text", text: "Service" },
            element: {
              type: "static_select",
              action_id: INPUT.service,
              options: serviceOptions,
              ...(options.initialService && options.services.includes(options.initialService) ? { initial_option: serviceOptions.find((o) => o.value === options.initialService) } : {}),
            },
          }
        : { type: "input", block_id: BLOCK.declareService, optional: true, label: { type: "plain_text", text: "Service" }, element: { type: "plain_text_input", action_id: INPUT.service } },
    ],
  };
}
