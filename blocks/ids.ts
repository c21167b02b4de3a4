/** Every action_id, block_id and callback_id the app uses: one place, so listeners and builders agree. */
export const ACTION = {
  incidentAcknowledge: "incident_acknowledge",
  incidentResolve: "incident_resolve",
  incidentReopen: "incident_reopen",
  shareInChannel: "share_in_channel",
  remediationApprove: "remediation_approve",
  remediationReject: "remediation_reject",
} as const;

export const VIEW = {
  declareIncident: "declare_incident",
} as const;

export const BLOCK = {
  cardActions: "incident_card_actions",
  remediationActions: "remediation_actions",
  declareTitle: "declare_title",
  declareSeverity: "declare_severity",
  declareService: "declare_service",
} as const;

/** Input element ids inside modal input blocks. */
export const INPUT = {
  title: "title",
  severity: "severity",
  service: "service",
} as const;
