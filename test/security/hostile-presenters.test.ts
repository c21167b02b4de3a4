import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import * as anomaly from "../../blocks/anomaly.ts";
import * as appHome from "../../blocks/app-home.ts";
import * as assistantThread from "../../blocks/assistant-thread.ts";
import * as unfurl from "../../blocks/incident-unfurl.ts";
import * as answer from "../../blocks/answer.ts";
import * as assistant from "../../blocks/assistant.ts";
import * as declare from "../../blocks/declare-modal.ts";
import * as diagnosis from "../../blocks/diagnosis.ts";
import * as feedback from "../../blocks/feedback.ts";
import * as help from "../../blocks/help.ts";
import * as card from "../../blocks/incident-card.ts";
import * as list from "../../blocks/incident-list.ts";
import * as thread from "../../blocks/incident-thread.ts";
import * as mentionReply from "../../blocks/mention-reply.ts";
import * as paging from "../../blocks/paging.ts";
import * as pmModal from "../../blocks/postmortem-modal.ts";
import * as postmortem from "../../blocks/postmortem.ts";
import * as remCard from "../../blocks/remediation-card.ts";
import * as remStatus from "../../blocks/remediation-status.ts";
import * as status from "../../blocks/status-card.ts";
import * as usage from "../../blocks/usage.ts";
import * as digest from "../../blocks/incident-digest.ts";
import * as timelineModal from "../../blocks/timeline-modal.ts";
import type { DigestView } from "../../src/incident/digest.ts";
import { healthText, personText } from "../../src/assistant/answers.ts";
import { toMrkdwn } from "../../src/assistant/assistant.ts";
import { summaryFor } from "../../src/assistant/summaries.ts";
import type { IncidentContext } from "../../src/assistant/context.ts";
import type { ServiceHealth } from "../../src/assistant/service-health.ts";
import { plainAnomalyPresenter, type AnomalyMessageView } from "../../src/detect/polling/presenter.ts";
import { plainFeedbackPresenter } from "../../src/feedback/presenter.ts";
import type { HomeView } from "../../src/home/home-view.ts";
import { plainHomePresenter } from "../../src/home/presenter.ts";
import { plainDiagnosisPresenter, type AnalysisView, type UpdateView } from "../../src/diagnose/live/view.ts";
import type { Alert, ChangeEvent } from "../../src/domain/alert.ts";
import type { Incident } from "../../src/domain/incident.ts";
import type { IncidentCardView } from "../../src/incident/presenter.ts";
import type { EffectivePostmortem } from "../../src/postmortem/model.ts";
import { plainPostmortemPresenter } from "../../src/postmortem/presenter.ts";
import { plainRemediationPresenter } from "../../src/remediate/presenter.ts";
import type { RemediationAction } from "../../src/remediate/types.ts";
import { plainSyncPresenter, type ExternalUpdate, type PagingView } from "../../src/sync/presenter.ts";
import { escapeText } from "../../src/text/slack-markup.ts";
import { HOSTILE, hostileCopy, injections, shownStrings } from "../support/hostile.ts";

/**
 * Every presenter, rendered with a hostile value in every field, must show no live control
 * sequence: no broadcast, no mention of a user or group the product did not mean, no link the
 * outsider labelled or shaped. Fields typed as mrkdwn (text the product already composed, e.g. an
 * answer) get the *escaped* hostile text, as their producers must pass; the producers are checked
 * below with raw hostile input.
 */

const T = "2026-11-23T10:00:00Z";
const MD = escapeText(HOSTILE);
const incident: Incident = hostileCopy({ id: "INC-1", title: "t", status: "open", severity: "sev2", origin: "alert", services: ["checkout", "db"], channel: "C1", createdAt: T, updatedAt: T, acknowledgedBy: "U_ALICE" } as Incident);
const alert: Alert = hostileCopy({ fingerprint: "f", source: "s", name: "n", status: "firing", severity: "sev2", service: "svc", summary: "s", description: "d", labels: { a: "b" }, startsAt: T, generatorUrl: "u", runbookUrl: "u" } as Alert);
const change: ChangeEvent = hostileCopy({ id: "c", source: "github", kind: "deploy", service: "svc", version: "v", previousVersion: "p", environment: "e", status: "failure", author: "a", description: "d", url: "u", at: T } as ChangeEvent);
const digestView: DigestView = hostileCopy({
  incidentId: "i",
  alerts: [
    { fingerprint: "f", name: "n", service: "s", severity: "sev2", status: "firing", since: T, reason: "r", flips: 3 },
    { fingerprint: "g", name: "n", severity: "sev3", status: "resolved", since: T, flips: 0 },
  ],
  anomalies: [{ key: "k", service: "s", sli: "l", unit: "u", value: 2, usual: 1, shape: "s", since: 0, over: false, worsened: 1 }],
  changes: [{ change, reason: "r" }],
  updatedAt: T,
} as DigestView);
const cardView: IncidentCardView = hostileCopy({
  incident: { id: "INC-1", title: "t", status: "open", severity: "sev2", origin: "alert", services: ["x"], createdAt: T, updatedAt: T, acknowledgedBy: "x" },
  alerts: { total: 2, firing: 1, names: ["n"] },
  headline: "h",
  resolution: "r",
  impact: "i",
  diagnosis: { summary: "s", cause: "c", confidence: 0.5, verdict: "unsure", nextSteps: ["n"] },
  links: { jira: { key: "k", url: "u" }, pagerduty: { id: "p", url: "u" }, runbooks: [{ title: "r", url: "u" }], postmortem: "p" },
} as unknown as IncidentCardView);
const hyp = { rank: 1, service: "s", cause: "c", services: ["s"], score: 1, confidence: 0.7, evidence: [{ kind: "metric", source: { service: "s" }, summary: "e", weight: 1 }], counterEvidence: [{ kind: "log", source: { service: "s" }, summary: "e", weight: 1 }], gaps: ["g"] };
const dx = { hypotheses: [1, 2, 3, 4, 5].map((rank) => ({ ...hyp, rank })), uncertainty: "confident", headline: "h", gaps: ["g"], notes: ["n"], elapsedMs: 1 };
const analysis: AnalysisView = hostileCopy({
  incident,
  diagnosis: dx,
  window: { start: 0, onset: 0, end: 0 },
  symptom: { service: "s", metric: "m", alert: "a" },
  tools: [{ tool: "t", status: "ok", detail: "d", notes: ["n"] }],
  oncall: { service: "s", people: [{ name: "n", level: 1, email: "e" }] },
  similar: [{ title: "t", excerpt: "e" }],
  runbooks: [{ title: "t", service: "s", score: 1, path: "p" }],
  recommendation: { action: "a", service: "s", pod: "p", why: "w", outcome: "o" },
} as unknown as AnalysisView);
const update: UpdateView = hostileCopy({ incident, changes: [{ kind: "leader", service: "s", from: 0.1, to: 0.7, text: "t" }], diagnosis: dx, trigger: "t", recommendation: analysis.recommendation } as unknown as UpdateView);
const pagingView: PagingView = hostileCopy({
  incidentId: "i",
  incidentStatus: "open",
  severity: "sev1",
  service: "s",
  notPaged: "n",
  oncall: [
    { name: "n", email: "e", slackUserId: "x", level: 1, schedule: "s" },
    { name: "n", level: 2 },
  ],
  problem: "p",
} as PagingView);
const pagedView: PagingView = { ...pagingView, page: hostileCopy({ id: "p", number: 4, url: "u", status: "acknowledged", assignees: [{ name: "n", slackUserId: "x" }], level: 1 }) } as PagingView;
const externalUpdate: ExternalUpdate = { ...hostileCopy({ system: "jira", ref: "r", url: "u", actor: "a", quote: "q" } as ExternalUpdate), text: MD };
const action: RemediationAction = hostileCopy({
  id: "a",
  incidentId: "i",
  type: "rollback",
  target: { service: "s", namespace: "n", environment: "e" },
  params: { replicas: "3" },
  state: "pending",
  risk: "caution",
  requiredApprovals: 2,
  approvedBy: ["x"],
  proposedBy: "x",
  reason: "r",
  detail: {
    title: "t",
    reversible: true,
    blastRadius: "b",
    change: "c",
    where: "w",
    rollback: "r",
    evidence: ["e"],
    symptoms: [{ service: "s", check: "c" }],
    autonomy: "approve",
    approvers: ["@g", "U_X", "S_X"],
    because: ["b"],
    steps: [{ at: T, text: "t", ok: false, by: "x" }],
    verification: { windowSeconds: 1, intervalSeconds: 1, consecutive: 1 },
    note: "n",
    escalation: "e",
    hypothesisRef: "h",
  },
  createdAt: T,
  updatedAt: T,
} as unknown as RemediationAction);
const pm: EffectivePostmortem = hostileCopy({
  incidentId: "i",
  title: "t",
  status: "in_review",
  version: 2,
  facts: {
    incidentId: "i",
    title: "t",
    severity: "sev1",
    services: ["s"],
    startedAt: T,
    detectedAt: T,
    acknowledgedBy: "U_ALICE",
    detectedBy: "d",
    alerts: [],
    alertCount: 0,
    changes: [],
    hypotheses: [],
    actions: [{ text: "t", event: "e", at: T, actor: "U_BOB" }],
    messages: [{ at: T, actor: "U_BOB", text: "t" }],
    timeToDetectMinutes: 1,
  },
  sections: { summary: "s", impact: "i", rootCause: "r", trigger: "t", detection: "d", resolution: "r", wentWell: "w", wentWrong: "w", actionItems: "a", lessons: "l" },
  actionItems: [{ text: "t", owner: "o", due: "d", jiraKey: "k", jiraUrl: "u" }],
  timeline: [{ at: T, kind: "message", actor: "x", text: "t" }],
  edited: ["summary"],
  narrative: "n",
  generatedAt: T,
} as unknown as EffectivePostmortem);
const health: ServiceHealth = hostileCopy({
  service: "s",
  verdict: "degraded",
  reasons: ["r"],
  pods: { ready: 1, total: 2, restarts: 3, signals: ["s"] },
  errorRate: { now: 0.1, baseline: 0.01, unit: "ratio" },
  latencyP95: { now: 1, baseline: 0.5, unit: "seconds", label: "l" },
  openIncidents: [incident],
  deploys: [{ service: "s", at: T, kind: "deploy", version: "v", author: "a", source: "s", status: "failed", url: "u" }],
  dependencyChanges: [{ service: "s", at: T, kind: "deploy", version: "v", author: "a", source: "s" }],
  oncall: [{ name: "n", level: 1, slackUserId: "x", schedule: "s" }],
  gaps: ["g"],
  at: T,
} as unknown as ServiceHealth);
const anomalyView: AnomalyMessageView = hostileCopy({
  incidentId: "i",
  sli: { key: "k", service: "s", name: "n", unit: "seconds", direction: "up", sensitivity: "medium", threshold: 0.6, page: false, source: { kind: "prometheus", query: "q", stepSeconds: 60 } },
  first: { key: "k", service: "s", sli: "n", at: 0, score: 0.7, threshold: 0.6, explanation: { baseline: 1, deviation: 1, spread: 0.1, z: 5, since: 0, kind: "level-shift", model: "daily", feature: "long", surprise: 1, rawSurprise: 1 }, points: [], quiet: false, page: false, escalation: false },
  latest: { key: "k", service: "s", sli: "n", at: 0, score: 0.7, threshold: 0.6, explanation: { baseline: 1, deviation: 1, spread: 0.1, z: 5, since: 0, kind: "level-shift", model: "daily", feature: "long", surprise: 1, rawSurprise: 1 }, points: [], quiet: false, page: false, escalation: false },
  worsened: 1,
  opened: true,
  ongoing: false,
  heldUntil: 0,
} as unknown as AnomalyMessageView);
const ctx: IncidentContext = hostileCopy({
  incident,
  card: { impact: "i", diagnosis: { summary: "s", cause: "c", confidence: 0.6, verdict: "unsure", nextSteps: ["n"] } },
  alerts: [{ ...alert, status: "firing" }],
  timeline: [{ id: 1, incidentId: "i", at: T, kind: "change", actor: "a", text: "t", data: {} }],
  hypotheses: [{ text: "t", service: "s", confidence: 0.5, evidence: ["e"], counterEvidence: ["c"], gaps: ["g"] }],
  conversation: [],
} as unknown as IncidentContext);
const answerSample = { intent: "why", text: MD, sources: [HOSTILE], notes: [HOSTILE], mode: "llm", llm: { model: HOSTILE, steps: 1, tokens: 1, elapsedMs: 1 }, proposals: [{ type: HOSTILE, service: HOSTILE, reason: HOSTILE, note: HOSTILE }] } as never;

const homeView: HomeView = {
  ...hostileCopy({
    user: "u",
    open: [{ id: "i", title: "t", severity: "sev2", status: "open", services: ["s"], createdAt: T, permalink: "p", cause: "c" }],
    approvals: [{ actionId: "a", incidentId: "i", title: "t", service: "s", permalink: "p" }],
    oncall: [{ service: "s", people: [{ name: "n", email: "e", slackUserId: "u", schedule: "s" }] }],
    oncallNote: "n",
    automation: { by: "b", at: T, reason: "r" },
    resolved: [{ id: "i", title: "t", severity: "sev3", resolvedAt: T, cause: "c", permalink: "p" }],
  }),
  now: Date.parse(T),
} as unknown as HomeView;
for (const i of homeView.open) Object.assign(i, { ageMs: 90_000, confidence: 0.5 });
for (const a of homeView.approvals) Object.assign(a, { approvals: 1, required: 2 });
for (const o of homeView.oncall) for (const p of o.people) p.level = 1;
for (const r of homeView.resolved) Object.assign(r, { score: 65, grade: "partly", graders: 1, confidence: 0.7 });
const homeOff: HomeView = { ...homeView, automation: { ...homeView.automation, enabled: false }, accuracy: { graded: 1, meanScore: 65 }, oncall: [], open: [], approvals: [], resolved: [] };
const gradeSample = { ...hostileCopy({ incidentId: "INC-1", service: "s", cause: "c" }), confidence: 0.5, grades: [{ userId: HOSTILE, grade: "wrong" as const }] };

/** Every presenter export: `file#name` (or `file#object.method`) → a render with hostile input. */
const CASES: Record<string, () => unknown> = {
  "blocks/anomaly.ts#anomalyChartComment": () => ({ text: anomaly.anomalyChartComment(anomalyView) }),
  "blocks/anomaly.ts#blockKitAnomalyPresenter.chartComment": () => ({ text: anomaly.blockKitAnomalyPresenter.chartComment(anomalyView) }),
  "blocks/app-home.ts#appHomeView": () => [appHome.appHomeView({ ...homeView, automation: { ...homeView.automation, enabled: true } }), appHome.appHomeView(homeOff)],
  "blocks/app-home.ts#blockKitHomePresenter.home": () => appHome.blockKitHomePresenter.home(homeView),
  "blocks/feedback.ts#blockKitFeedbackPresenter.causeGrade": () => feedback.blockKitFeedbackPresenter.causeGrade(gradeSample),
  "src/feedback/presenter.ts#plainFeedbackPresenter.causeGrade": () => plainFeedbackPresenter.causeGrade(gradeSample),
  "src/home/presenter.ts#plainHomePresenter.home": () => plainHomePresenter.home(homeView),
  "blocks/answer.ts#answerFooter": () => answer.answerFooter(answerSample),
  "blocks/assistant-thread.ts#assistantGreeting": () => [assistantThread.assistantGreeting(HOSTILE), assistantThread.assistantGreeting("U_ALICE")],
  "blocks/incident-unfurl.ts#incidentUnfurl": () => [unfurl.incidentUnfurl(incident, hostileCopy({ headline: "h", diagnosis: { cause: "c" } }), "https://evil.example/x|<!everyone>|details"), unfurl.incidentUnfurl(incident, {}, undefined)],
  "blocks/answer.ts#answerMessage": () => answer.answerMessage(answerSample),
  "blocks/assistant.ts#oncallMessage": () => assistant.oncallMessage([HOSTILE], MD, { shareable: true, sharedBy: HOSTILE }),
  "blocks/assistant.ts#runbookMessage": () => [
    assistant.runbookMessage(HOSTILE, hostileCopy([{ title: "t", score: 1, excerpt: "e", path: "p", risk: "r", actions: ["a"], services: ["s"], steps: [] }]), { shareable: true, sharedBy: HOSTILE }),
    assistant.runbookMessage(HOSTILE, hostileCopy([{ title: "t", score: 1, excerpt: "e", actions: [], services: [], steps: ["s"] }])),
    assistant.runbookMessage(HOSTILE, []),
  ],
  "blocks/declare-modal.ts#declareIncidentModal": () => [declare.declareIncidentModal({ services: [HOSTILE], channel: HOSTILE, initialService: HOSTILE }), declare.declareIncidentModal({ services: [], channel: HOSTILE })],
  "blocks/diagnosis.ts#diagnosisAnalysisMessage": () => diagnosis.diagnosisAnalysisMessage(analysis),
  "blocks/diagnosis.ts#diagnosisUpdateMessage": () => diagnosis.diagnosisUpdateMessage(update),
  "blocks/diagnosis.ts#blockKitDiagnosisPresenter.analysis": () => diagnosis.blockKitDiagnosisPresenter.analysis(analysis),
  "blocks/diagnosis.ts#blockKitDiagnosisPresenter.update": () => diagnosis.blockKitDiagnosisPresenter.update(update),
  "blocks/feedback.ts#feedbackBlock": () => [feedback.feedbackBlock("answer", HOSTILE), feedback.feedbackBlock("diagnosis")],
  "blocks/feedback.ts#withFeedback": () => feedback.withFeedback({ text: MD, blocks: [] }, "answer", HOSTILE),
  "blocks/feedback.ts#causeGradeMessage": () => [feedback.causeGradeMessage({ ...hostileCopy({ incidentId: "INC-1", service: "s", cause: "c" }), confidence: 0.5, grades: [{ userId: HOSTILE, grade: "right" }] }), feedback.causeGradeMessage({ incidentId: HOSTILE, grades: [{ userId: "U_ALICE", grade: "unknown" }] })],
  "blocks/feedback.ts#withCauseGrade": () => {
    const question = feedback.causeGradeMessage({ ...hostileCopy({ incidentId: "INC-1", service: "s", cause: "c" }), grades: [{ userId: HOSTILE, grade: "right" }] });
    const note = thread.statusChangedMessage(incident, "open", "resolved", HOSTILE, HOSTILE);
    return [feedback.withCauseGrade({ text: note.text, blocks: [...note.blocks, ...question.blocks] }, question), feedback.withCauseGrade(undefined, question)];
  },
  "blocks/help.ts#helpBlocks": () => help.helpBlocks([{ usage: "status <service>", summary: "health" }]),
  "blocks/help.ts#helpText": () => help.helpText([{ usage: "status <service>", summary: "health" }]),
  "blocks/incident-card.ts#incidentCardMessage": () => [card.incidentCardMessage(cardView), card.incidentCardMessage({ ...cardView, incident: { ...cardView.incident, status: "resolved" } }), card.incidentCardMessage({ ...cardView, headline: undefined, resolution: undefined, diagnosis: undefined })],
  "blocks/incident-list.ts#incidentListBlocks": () =>
    list.incidentListBlocks([
      { incident, permalink: "https://evil.example/x|<!everyone>|details", firing: 1 },
      { incident, firing: 0 },
    ]),
  "blocks/incident-digest.ts#incidentDigestMessage": () => digest.incidentDigestMessage(digestView),
  "blocks/timeline-modal.ts#timelineModal": () => [timelineModal.timelineModal(incident, [hostileCopy({ id: 1, incidentId: "i", at: T, kind: "note", actor: "a", text: "t", data: {} })]), timelineModal.timelineModal(incident, [])],
  "blocks/incident-thread.ts#statusChangedMessage": () => [thread.statusChangedMessage(incident, "open", "resolved", HOSTILE, HOSTILE), thread.statusChangedMessage(incident, "open", "acknowledged", "U_ALICE", HOSTILE)],
  "blocks/incident-thread.ts#noteMessage": () => thread.noteMessage(incident, MD),
  "blocks/incident-thread.ts#blockKitIncidentPresenter.rootCard": () => thread.blockKitIncidentPresenter.rootCard(cardView),
  "blocks/incident-thread.ts#blockKitIncidentPresenter.digest": () => thread.blockKitIncidentPresenter.digest(digestView),
  "blocks/incident-thread.ts#blockKitIncidentPresenter.statusChanged": () => thread.blockKitIncidentPresenter.statusChanged(incident, "acknowledged", "resolved", HOSTILE, HOSTILE),
  "blocks/incident-thread.ts#blockKitIncidentPresenter.note": () => thread.blockKitIncidentPresenter.note(incident, MD),
  "blocks/mention-reply.ts#answerBlocks": () => mentionReply.answerBlocks(MD, MD),
  "blocks/paging.ts#pagingCardMessage": () => [paging.pagingCardMessage(pagingView), paging.pagingCardMessage(pagedView)],
  "blocks/paging.ts#externalUpdateMessage": () => paging.externalUpdateMessage(externalUpdate),
  "blocks/paging.ts#blockKitSyncPresenter.pagingCard": () => paging.blockKitSyncPresenter.pagingCard(pagedView),
  "blocks/paging.ts#blockKitSyncPresenter.externalUpdate": () => paging.blockKitSyncPresenter.externalUpdate(externalUpdate),
  "blocks/paging.ts#blockKitSyncPresenter.note": () => paging.blockKitSyncPresenter.note(MD),
  "blocks/postmortem-modal.ts#postmortemEditModal": () => pmModal.postmortemEditModal(pm, { channel: HOSTILE }),
  "blocks/postmortem.ts#postmortemMessage": () => postmortem.postmortemMessage(pm, { jira: { key: HOSTILE, url: "javascript:alert(1)" }, note: MD }),
  "blocks/postmortem.ts#blockKitPostmortemPresenter.message": () => ["draft", "in_review", "final"].map((s) => postmortem.blockKitPostmortemPresenter.message({ ...pm, status: s as never }, { jira: { key: HOSTILE, url: "https://evil.example/x|<!everyone>|details" } })),
  "blocks/remediation-card.ts#confirmText": () => remCard.confirmText(action),
  "blocks/remediation-card.ts#actionCardMessage": () => ["advised", "pending", "running", "verifying", "verified", "unverified", "failed", "refused", "skipped", "rejected", "stale"].map((state) => remCard.actionCardMessage({ action: { ...action, state: state as never }, buttons: true })),
  "blocks/remediation-card.ts#actionMentionMessage": () => remCard.actionMentionMessage(action),
  "blocks/remediation-card.ts#actionNoteMessage": () => remCard.actionNoteMessage(action, MD),
  "blocks/remediation-card.ts#blockKitRemediationPresenter.actionCard": () => remCard.blockKitRemediationPresenter.actionCard({ action, buttons: true }),
  "blocks/remediation-card.ts#blockKitRemediationPresenter.mention": () => remCard.blockKitRemediationPresenter.mention(action),
  "blocks/remediation-card.ts#blockKitRemediationPresenter.note": () => remCard.blockKitRemediationPresenter.note(action, MD),
  "blocks/remediation-status.ts#autonomyStatusBlocks": () => [true, false].map((enabled) => remStatus.autonomyStatusBlocks({ automation: { enabled, by: HOSTILE, at: T, reason: HOSTILE }, policy: HOSTILE, lastHour: 1, maxPerHour: 1, running: [action], pending: [action] })),
  "blocks/remediation-status.ts#auditEntriesBlocks": () =>
    remStatus.auditEntriesBlocks(HOSTILE, hostileCopy([{ seq: 1, at: T, actor: "a", action: "remediation.approve", incidentId: "i", target: "t", detail: { type: "t", result: "r" }, prevHash: "p", hash: "h" }]), { ok: false, entries: 1, brokenAt: 1, reason: HOSTILE }),
  "blocks/status-card.ts#statusCardMessage": () => [status.statusCardMessage([health], { now: Date.parse(T), shareable: true, sharedBy: HOSTILE }), status.statusCardMessage([health, health], { now: Date.parse(T) })],
  "blocks/status-card.ts#shareActions": () => status.shareActions(HOSTILE),
  "blocks/usage.ts#usageBlocks": () => usage.usageBlocks(HOSTILE, HOSTILE, HOSTILE),
  "src/detect/polling/presenter.ts#plainAnomalyPresenter.chartComment": () => ({ text: plainAnomalyPresenter.chartComment(anomalyView) }),
  "src/diagnose/live/view.ts#plainDiagnosisPresenter.analysis": () => plainDiagnosisPresenter.analysis(analysis),
  "src/diagnose/live/view.ts#plainDiagnosisPresenter.update": () => plainDiagnosisPresenter.update(update),
  "src/postmortem/presenter.ts#plainPostmortemPresenter.message": () => plainPostmortemPresenter.message(pm, { jira: { key: HOSTILE } }),
  "src/remediate/presenter.ts#plainRemediationPresenter.actionCard": () => plainRemediationPresenter.actionCard({ action, buttons: false }),
  "src/remediate/presenter.ts#plainRemediationPresenter.mention": () => plainRemediationPresenter.mention(action),
  "src/remediate/presenter.ts#plainRemediationPresenter.note": () => plainRemediationPresenter.note(action, MD),
  "src/sync/presenter.ts#plainSyncPresenter.pagingCard": () => [plainSyncPresenter.pagingCard(pagingView), plainSyncPresenter.pagingCard(pagedView)],
  "src/sync/presenter.ts#plainSyncPresenter.externalUpdate": () => plainSyncPresenter.externalUpdate(externalUpdate),
  "src/sync/presenter.ts#plainSyncPresenter.note": () => plainSyncPresenter.note(MD),
  "src/sync/presenter.ts#pagingSummary": () => [pagingSummaryOf(pagingView), pagingSummaryOf(pagedView)],
};

const caseOf = (key: string): (() => unknown) => {
  const c = CASES[key];
  if (!c) throw new Error(`no hostile case ${key}`);
  return c;
};

/** Exports of presenter files that are not presenters (pure helpers, parsers, ids). */
const NOT_PRESENTERS = new Set([
  "blocks/answer.ts#sectionsOf",
  "blocks/incident-card.ts#confidenceLabel",
  "blocks/postmortem-modal.ts#sectionEditText",
  "blocks/postmortem-modal.ts#textHash",
  "blocks/postmortem-modal.ts#readPostmortemEdits",
  "blocks/status-card.ts#readingText",
  "blocks/status-card.ts#shareValue",
  "blocks/status-card.ts#parseShareValue",
  "src/detect/polling/presenter.ts#formatSliValue",
  "src/detect/polling/presenter.ts#formatSliDelta",
  "src/detect/polling/presenter.ts#formatSliSpread",
  "src/detect/polling/presenter.ts#describeKind",
  "src/detect/polling/presenter.ts#slackTime",
  "src/detect/polling/presenter.ts#valueNow",
  "src/diagnose/live/view.ts#evidenceLine",
]);

import { pagingSummary as pagingSummaryOf } from "../../src/sync/presenter.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));
/** Modules that only hold ids, limits or the boundary itself. */
const NOT_PRESENTER_FILES = new Set(["blocks/ids.ts", "blocks/limits.ts", "blocks/mrkdwn.ts"]);

function presenterFiles(): string[] {
  const blocks = readdirSync(join(root, "blocks"))
    .filter((f) => f.endsWith(".ts"))
    .map((f) => `blocks/${f}`);
  const walk = (dir: string): string[] =>
    readdirSync(join(root, dir)).flatMap((name) => {
      const p = `${dir}/${name}`;
      if (statSync(join(root, p)).isDirectory()) return p.startsWith("src/sandbox") ? [] : walk(p);
      return /(^|\/)(presenter|view)\.ts$/.test(p) ? [p] : [];
    });
  return [...blocks, ...walk("src")].filter((f) => !NOT_PRESENTER_FILES.has(f));
}

/** Every function export of every presenter file, and every method of an exported presenter object. */
async function presenterExports(): Promise<string[]> {
  const out: string[] = [];
  for (const file of presenterFiles()) {
    const mod = (await import(join(root, file))) as Record<string, unknown>;
    for (const [name, v] of Object.entries(mod)) {
      if (typeof v === "function") out.push(`${file}#${name}`);
      else if (v && typeof v === "object" && /Presenter$/.test(name)) for (const [m, f] of Object.entries(v)) if (typeof f === "function") out.push(`${file}#${name}.${m}`);
    }
  }
  return out;
}

describe("every presenter with hostile input in every field", () => {
  for (const [name, render] of Object.entries(CASES)) {
    it(`${name} shows no live control sequence`, () => {
      const out = render();
      expect(shownStrings(out).length).toBeGreaterThan(0);
      expect(injections(out)).toEqual([]);
    });
  }

  it("the hostile input reaches the output (the cases exercise the fields)", () => {
    const shown = JSON.stringify([caseOf("blocks/incident-card.ts#incidentCardMessage")(), caseOf("blocks/remediation-card.ts#actionCardMessage")(), caseOf("blocks/postmortem.ts#postmortemMessage")()]);
    expect(shown.split("&lt;!channel&gt;").length).toBeGreaterThan(20);
  });
});

describe("a new presenter cannot skip the boundary", () => {
  it("every presenter export is rendered with hostile input above (add a case for a new one)", async () => {
    const missing = (await presenterExports()).filter((k) => !(k in CASES) && !NOT_PRESENTERS.has(k));
    expect(missing).toEqual([]);
  });

  it("the check sees presenters (so it can fail)", async () => {
    const all = await presenterExports();
    expect(all).toContain("blocks/incident-card.ts#incidentCardMessage");
    expect(all).toContain("src/sync/presenter.ts#plainSyncPresenter.note");
    expect(all.length).toBeGreaterThan(40);
  });

  it("no Slack markup is written by hand outside the boundary (links, mentions, dates, broadcasts)", () => {
    const handMade = /<[@#!]?\$\{|<!(?:subteam|date|channel|here|everyone)\b|<https?:/;
    const parsers = /new RegExp|\.includes\(|matchAll|\.test\(|\.exec\(|\.replace\(\//;
    const dirs = ["blocks", "handlers", "src"];
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(join(root, dir))) {
        const p = join(root, dir, name);
        const rel = relative(root, p);
        if (statSync(p).isDirectory()) {
          if (!rel.startsWith("src/sandbox")) walk(rel);
          continue;
        }
        if (!rel.endsWith(".ts") || rel === "src/text/slack-markup.ts") continue;
        readFileSync(p, "utf8")
          .split("\n")
          .forEach((line, i) => {
            if (handMade.test(line) && !parsers.test(line) && !/^\s*(\*|\/\/)/.test(line)) offenders.push(`${rel}:${i + 1}: ${line.trim().slice(0, 120)}`);
          });
      }
    };
    for (const d of dirs) walk(d);
    expect(offenders).toEqual([]);
  });
});

describe("producers of mrkdwn escape what they take from outside", () => {
  it("summaries for every audience", () => {
    for (const audience of ["responders", "leadership", "status_page"] as const) {
      const text = summaryFor(audience, ctx, { now: Date.parse(T) + 60_000, actions: [action] });
      expect(injections({ text })).toEqual([]);
      expect(text).toContain("&lt;!channel&gt;");
    }
  });

  it("health, on-call and model output", () => {
    expect(injections({ text: healthText(health, Date.parse(T)) })).toEqual([]);
    expect(injections({ text: personText({ name: HOSTILE, level: 1, schedule: HOSTILE, slackUserId: HOSTILE }) })).toEqual([]);
    const model = toMrkdwn(`**Cause**: ${HOSTILE.replace("`", "")} see [the deploy](https://evil.example/x) and [x](javascript:alert(1)) \`${HOSTILE.replace("`", "")}\` ask <@U_ALICE>`, ["U_ALICE"]);
    expect(injections({ text: model })).toEqual([]);
    expect(model).toContain("<https://evil.example/x|the deploy>");
    expect(model).toContain("<@U_ALICE>");
    expect(model).toContain("*Cause*");
  });
});
