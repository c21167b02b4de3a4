import { z } from "zod";
import type { ExternalEvent, ParsedDelivery, SecretSpecs, SecretValues, ReceivedWebhook, VerifyResult, WebhookRequest, WebhookSource } from "../types.ts";
import { compact, header, parseJsonBody, parseWith, stableHash, toIso, verifyHmacHeader } from "../util.ts";

const NAME = "jira";

/** What it verifies with (docs/webhooks.md lists the same). */
const SECRETS = {
  jiraSecret: { env: "JIRA_WEBHOOK_SECRET", description: "the admin webhook's secret (Jira signs X-Hub-Signature: sha256=…)" },
} as const satisfies SecretSpecs;

const UserSchema = z.looseObject({ accountId: z.string().optional(), displayName: z.string().optional(), name: z.string().optional(), emailAddress: z.string().optional() }).nullish();

/** A comment body: a string (REST v2 / wiki markup, what webhooks send) or an ADF document. */
const CommentBody = z.union([z.string(), z.looseObject({ type: z.string(), content: z.array(z.unknown()).optional() })]);

const IssueSchema = z.object({
  id: z.string().optional(),
  key: z.string().min(1),
  self: z.string().optional(),
  fields: z
    .looseObject({
      summary: z.string().nullish(),
      status: z.object({ name: z.string() }).nullish(),
      priority: z.object({ name: z.string() }).nullish(),
      assignee: UserSchema,
      labels: z.array(z.string()).nullish(),
      issuetype: z.object({ name: z.string() }).nullish(),
    })
    .optional(),
});

const PayloadSchema = z.object({
  timestamp: z.number().optional(),
  webhookEvent: z.string().min(1),
  issue_event_type_name: z.string().optional(),
  user: UserSchema,
  issue: IssueSchema.optional(),
  changelog: z
    .object({
      id: z.string().optional(),
      items: z.array(
        // Null-prototype copy: an item without `toString` must not see Object.prototype.toString.
        z.preprocess(
          (v) => (v && typeof v === "object" && !Array.isArray(v) ? Object.assign(Object.create(null) as object, v) : v),
          z.object({
            field: z.string(),
            fieldtype: z.string().optional(),
            fieldId: z.string().optional(),
            from: z.string().nullish(),
            fromString: z.string().nullish(),
            to: z.string().nullish(),
            toString: z.string().nullish(),
          }),
        ),
      ),
    })
    .optional(),
  comment: z
    .object({
      id: z.string(),
      body: CommentBody.optional(),
      author: UserSchema,
      updateAuthor: UserSchema,
      created: z.string().optional(),
      updated: z.string().optional(),
    })
    .optional(),
});

/** The text of an Atlassian Document Format node (paragraph texts joined by newlines). */
export function adfText(node: unknown): string {
  if (!node || typeof node !== "object") return "";
  const n = node as { type?: string; text?: string; content?: unknown[] };
  if (typeof n.text === "string") return n.text;
  const inner = (n.content ?? []).map(adfText);
  const blockTypes = new Set(["doc", "bulletList", "orderedList", "table", "tableRow"]);
  return inner.join(n.type && blockTypes.has(n.type) ? "\n" : "");
}

/** An own string property (a changelog item's `toString` would otherwise find Object.prototype.toString). */
function own(o: object, key: string): string | undefined {
  const v: unknown = Object.hasOwn(o, key) ? (o as Record<string, unknown>)[key] : undefined;
  return typeof v === "string" ? v : undefined;
}

function verify(req: WebhookRequest, secrets: SecretValues<typeof SECRETS>): VerifyResult {
  return verifyHmacHeader(req, "x-hub-signature", "sha256=", secrets.jiraSecret);
}

/** Issue and comment events → external events for the sync (field changes, comment text, actor). */
function parse(req: ReceivedWebhook): ParsedDelivery {
  const body = parseWith(NAME, PayloadSchema, parseJsonBody(NAME, req));
  const deliveryId = header(req, "x-atlassian-webhook-identifier") ?? stableHash(req.body);
  const at = toIso(NAME, "timestamp", body.timestamp) ?? req.receivedAt;
  if (!body.issue) return { deliveryId, alerts: [], changes: [], ignored: [`${body.webhookEvent} carries no issue`] };
  const isComment = body.webhookEvent.startsWith("comment_");
  const who = isComment ? (body.comment?.updateAuthor ?? body.comment?.author ?? body.user) : (body.user ?? body.comment?.author);
  const fields = body.issue.fields;
  const event: ExternalEvent = {
    system: "jira",
    type: body.webhookEvent,
    externalId: body.issue.key,
    ...compact({ actor: who?.displayName ?? who?.name ?? who?.accountId, actorId: who?.accountId ?? who?.name }),
    at,
    data: compact({
      issueId: body.issue.id,
      issueEventType: body.issue_event_type_name,
      summary: fields?.summary ?? undefined,
      status: fields?.status?.name,
      priority: fields?.priority?.name,
      assignee: fields?.assignee?.displayName ?? fields?.assignee?.accountId,
      labels: fields?.labels ?? undefined,
      changes: body.changelog?.items.map((i) => compact({ field: i.field, fieldId: i.fieldId, from: i.from ?? undefined, fromString: i.fromString ?? undefined, to: i.to ?? undefined, toString: own(i, "toString") })),
      comment: body.comment
        ? compact({
            id: body.comment.id,
            body: typeof body.comment.body === "string" ? body.comment.body : body.comment.body ? adfText(body.comment.body) : undefined,
            author: body.comment.author?.displayName ?? body.comment.author?.accountId,
            authorId: body.comment.author?.accountId,
            created: body.comment.created,
            updated: body.comment.updated,
          })
        : undefined,
    }),
  };
  return { deliveryId, alerts: [], changes: [], externalEvents: [event] };
}

/** 2 MiB: issue events carry the whole issue (description, custom fields). */
export const jira: WebhookSource<typeof SECRETS> = { name: NAME, maxBytes: 2 * 1024 * 1024, secrets: SECRETS, verify, parse };
