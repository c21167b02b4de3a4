/** Every action_id, block_id and callback_id the app uses: one place, so listeners and builders agree. */
export const ACTION = {
  incidentAcknowledge: "incident_acknowledge",
  incidentResolve: "incident_resolve",
  incidentReopen: "incident_reopen",
  /** Opens the incident's timeline in a modal (the digest's button); the value is the incident id. */
  incidentTimeline: "incident_timeline",
  /** The digest's "Chart a signal…" select; each option's value is `<incident id>|<service>|<metric kind>`. */
  incidentChart: "incident_chart",
  /** Shares an ephemeral card in the channel; the value is `<status|oncall|runbook>|<argument>`. */
  shareInChannel: "share_in_channel",
  remediationApprove: "remediation_approve",
  remediationReject: "remediation_reject",
  pagingPage: "paging_page",
  pagingEscalate: "paging_escalate",
  postmortemRegenerate: "postmortem_regenerate",
  postmortemEdit: "postmortem_edit",
  /** The status buttons; the value is `<incident id>|<draft|in_review|final>`. */
  postmortemStatus: "postmortem_status",
  /** The native 👍/👎 feedback_buttons under an AI answer or a diagnosis; the value is feedbackValue() (src/domain/grades.ts). */
  aiFeedback: "ai_feedback",
  /** "Was this the cause?" on resolve: one button per grade, `cause_grade_<grade>`; the value is the incident id. */
  causeGradePrefix: "cause_grade_",
  /** Home tab: refresh now. */
  homeRefresh: "home_refresh",
} as const;

export const VIEW = {
  declareIncident: "declare_incident",
  postmortemEdit: "postmortem_edit",
} as const;

export const BLOCK = {
  cardActions: "incident_card_actions",
  digestActions: "incident_digest_actions",
  shareActions: "share_actions",
  remediationActions: "remediation_actions",
  declareTitle: "declare_title",
  declareSeverity: "declare_severity",
  declareService: "declare_service",
  pagingActions: "paging_actions",
  postmortemActions: "postmortem_actions",
  causeGrade: "cause_grade",
  /** The grading question's text and its "Graded: …" line (replaced together with the buttons on a grade). */
  causeGradeQuestion: "cause_grade_question",
  causeGradeBy: "cause_grade_by",
  /** One input block per postmortem section: `postmortem_<section key>`. */
  postmortemSectionPrefix: "postmortem_",
} as const;

/** Input element ids inside modal input blocks. */
export const INPUT = {
  title: "title",
  severity: "severity",
  service: "service",
  postmortemText: "text",
} as const;
