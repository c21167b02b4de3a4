import { Router, sendJson, sendText } from "../../http/router.ts";
import { escapeHtml, parseJsonObject } from "../pagerduty/sandbox-http.ts";
import type { RouteRequest } from "../../http/router.ts";
import { findSandboxPerson } from "../pagerduty/people.ts";
import type { WebhookDelivery } from "../pagerduty/webhook-sender.ts";
import { findUser } from "./field-input.ts";
import { JiraRestError } from "./model.ts";
import type { JiraUserRecord } from "./model.ts";
import { renderIssue } from "./render.ts";
import { PRIORITIES, STATUSES, USERS } from "./seed.ts";
import type { JiraStore } from "./store.ts";
import type { WriteLimiter } from "./write-limit.ts";

/**
 * Sandbox-only routes (no real Jira has them): act as a person in the Jira UI, force failures, see
 * webhook deliveries, and a minimal issue page for links.
 *
 * `POST /jira/sandbox/act {as, issue, assignee?, transition?, comment?, fields?}`: `as` and
 * `assignee` are a handle ("alice"), a Slack user id, an email or an account id (`assignee: null`
 * unassigns); `transition` is a target status or a transition name.
 */

export interface JiraActDeps {
  store: JiraStore;
  limiter: WriteLimiter;
  site(req: RouteRequest): string;
  deliveries(): WebhookDelivery[];
  /** Waits (bounded) for the webhooks an action caused to reach the bot. */
  settle(): Promise<void>;
}

export function resolveJiraUser(who: unknown): JiraUserRecord | undefined {
  if (typeof who !== "string") return undefined;
  const person = findSandboxPerson(who);
  return person ? USERS.find((u) => u.email === person.email) : findUser(who);
}

export function jiraActRoutes(deps: JiraActDeps): Router {
  const { store } = deps;
  const router = new Router();

  router.add("POST", "/jira/sandbox/act", async (req, res) => {
    const body = parseJsonObject(req);
    if (!body) return sendJson(res, 400, { error: "invalid_json" });
    const actor = resolveJiraUser(body.as);
    if (!actor) return sendJson(res, 400, { error: "unknown_user", detail: `"as" must name a sandbox person (alice, U_BOB, carol@example.com) or a Jira account id` });
    try {
      const issue = store.issue(String(body.issue ?? ""));
      if (body.fields && typeof body.fields === "object") store.editIssue(actor.accountId, issue.key, { fields: body.fields as Record<string, unknown> }, "2");
      if (body.priority !== undefined) store.editIssue(actor.accountId, issue.key, { fields: { priority: { name: String(body.priority) } } }, "2");
      if (body.assignee !== undefined) {
        const assignee = body.assignee === null ? null : resolveJiraUser(body.assignee);
        if (body.assignee !== null && !assignee) return sendJson(res, 400, { error: "unknown_assignee" });
        store.assign(actor.accountId, issue.key, assignee ? { accountId: assignee.accountId } : null);
      }
      if (typeof body.transition === "string") {
        const wanted = body.transition.toLowerCase();
        const available = store.availableTransitions(issue.key);
        const t = available.find((x) => x.name.toLowerCase() === wanted || STATUSES.find((s) => s.id === x.to)!.name.toLowerCase() === wanted);
        if (!t) {
          const names = available.map((x) => `${x.name} → ${STATUSES.find((s) => s.id === x.to)!.name}`).join(", ");
          throw new JiraRestError(400, [`No transition to '${body.transition}' from ${store.status(issue.statusId).name}. Available: ${names}`]);
        }
        store.transition(actor.accountId, issue.key, { transition: { id: t.id } }, "2");
      }
      if (typeof body.comment === "string") store.addComment(actor.accountId, issue.key, body.comment, "2");
      await deps.settle();
      sendJson(res, 200, { issue: renderIssue({ site: deps.site(req), v: "2" }, store, issue) });
    } catch (e) {
      if (e instanceof JiraRestError) return sendJson(res, e.status, e.body());
      throw e;
    }
  });

  router.add("POST", "/jira/sandbox/faults", (req, res) => {
    const body = parseJsonObject(req);
    if (!body) return sendJson(res, 400, { error: "invalid_json" });
    const status = body.status === 503 ? 503 : 429;
    deps.limiter.failNext(Math.max(0, Number(body.count ?? 1)), status, Math.max(0, Number(body.retryAfter ?? 1)));
    sendJson(res, 200, { pending: deps.limiter.pendingFaults() });
  });

  router.add("GET", "/jira/sandbox/webhooks", (_req, res) => sendJson(res, 200, { deliveries: deps.deliveries() }));

  // Long descriptions and comments (postmortems, log lines) wrap within a readable column.
  const BROWSE_CSS = "body{font-family:system-ui,sans-serif;max-width:960px;margin:24px auto;padding:0 16px;line-height:1.45;color:#172b4d}" + "pre{white-space:pre-wrap;overflow-wrap:anywhere;background:#f4f5f7;padding:8px;border-radius:4px;font-size:13px}" + "ul{padding-left:18px}li{margin-bottom:10px}";
  router.add("GET", "/jira/browse/:key", (req, res) => {
    const issue = store.find(req.params.key);
    if (!issue) return sendText(res, 404, "Issue not found");
    const status = store.status(issue.statusId).name;
    const priority = PRIORITIES.find((p) => p.id === issue.priorityId)?.name ?? "None";
    const assignee = USERS.find((u) => u.accountId === issue.assigneeId)?.displayName ?? "Unassigned";
    const comments = issue.comments.map((cm) => `<li><b>${escapeHtml(USERS.find((u) => u.accountId === cm.authorId)?.displayName ?? "?")}</b>: <pre>${escapeHtml(cm.body)}</pre></li>`).join("");
    const html = `<!doctype html><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(issue.key)}</title>
<style>${BROWSE_CSS}</style>
<h1>${escapeHtml(issue.key)}: ${escapeHtml(issue.summary)}</h1>
<p>Status: <b>${escapeHtml(status)}</b> · Priority: ${escapeHtml(priority)} · Assignee: ${escapeHtml(assignee)} · Labels: ${escapeHtml(issue.labels.join(", "))}</p>
<pre>${escapeHtml(issue.description ?? "")}</pre><h2>Comments</h2><ul>${comments}</ul>`;
    sendText(res, 200, html, "text/html; charset=utf-8");
  });

  return router;
}
