/**
 * What an on-call engineer sees in the incident channel, read back from Slack messages (pure): the
 * root card's severity, status, headline and leading cause, the first remediation proposed, reopen
 * notes, and what is still on a resolved card that should not be. The incident eval uses it on the
 * messages the sandbox workspace serves through the Slack Web API.
 */

export interface SlackMessageLike {
  ts: string;
  text?: string;
  user?: string;
  bot_id?: string;
  blocks?: unknown[];
  /** A reply only the person who clicked sees (Slack's ephemeral message): not part of the thread. */
  is_ephemeral?: boolean;
}

type Block = { type?: string; text?: { text?: string }; fields?: Array<{ text?: string }>; elements?: Array<{ text?: string | { text?: string }; action_id?: string; type?: string }> };

/** The message as plain lines: header, section texts and fields, context, button labels. */
export function messageText(m: SlackMessageLike): string {
  const out: string[] = [];
  for (const b of (m.blocks ?? []) as Block[]) {
    if (b.text?.text) out.push(b.text.text);
    for (const f of b.fields ?? []) if (f.text) out.push(f.text);
    if (b.type === "context") out.push((b.elements ?? []).map((e) => (typeof e.text === "string" ? e.text : (e.text?.text ?? ""))).join(" "));
    if (b.type === "actions") out.push(`[${(b.elements ?? []).map((e) => (typeof e.text === "object" ? e.text?.text : e.text) ?? "").join("|")}]`);
  }
  return out.length ? out.join("\n") : (m.text ?? "");
}

export function actionIds(m: SlackMessageLike): string[] {
  return ((m.blocks ?? []) as Block[]).filter((b) => b.type === "actions").flatMap((b) => (b.elements ?? []).map((e) => e.action_id ?? "").filter(Boolean));
}

export interface CardState {
  incidentId?: string;
  severity?: string;
  status: "open" | "acknowledged" | "resolved";
  headline: string;
  /** The leading cause's service, when the card names one ("Unsure: a or b" names a). */
  causeService?: string;
  unsure: boolean;
  jiraKey?: string;
  /** The incident this one was merged into (its resolution says "Merged into INC-…"). */
  mergedInto?: string;
}

const sectionAfter = (text: string, title: string): string | undefined => {
  const i = text.indexOf(`*${title}*\n`);
  if (i < 0) return undefined;
  return text.slice(i + title.length + 3).split("\n")[0];
};

export function readCard(m: SlackMessageLike): CardState {
  const text = messageText(m);
  const header = text.split("\n")[0] ?? "";
  const severity = /\bSEV(\d)\b/i.exec(header)?.[1];
  const status = header.includes("(resolved)") || header.includes(":white_check_mark:") ? "resolved" : header.includes(":large_orange_circle:") ? "acknowledged" : "open";
  const cause = sectionAfter(text, "What caused it") ?? "";
  const unsure = /^Unsure:/i.test(cause);
  const causeService = unsure ? /^Unsure:\s*([\w.-]+)/i.exec(cause)?.[1] : /^([\w.-]+):\s/.exec(cause)?.[1];
  const mergedInto = /^Merged into (INC-[\w-]+)/.exec(sectionAfter(text, "Resolution") ?? "")?.[1];
  return {
    // The card's own id is in its last line (a merged card's resolution names another before it).
    incidentId: text.match(/\bINC-[\w-]+/g)?.at(-1),
    ...(severity ? { severity: `sev${severity}` } : {}),
    status,
    headline: header.replace(/^:[a-z_]+:\s*/, ""),
    ...(causeService ? { causeService } : {}),
    unsure,
    jiraKey: /\|Jira ([A-Z]+-\d+)>/.exec(text)?.[1] ?? /\bJira ([A-Z]+-\d+)\b/.exec(text)?.[1],
    ...(mergedInto ? { mergedInto } : {}),
  };
}

/** The remediation an action card proposes: the catalog action and its target service. */
export function readActionCard(m: SlackMessageLike): { action: string; service: string; approvable: boolean } | undefined {
  const text = messageText(m);
  const head = /:wrench: \*([^*]+)\* `([^`]+)`/.exec(text);
  const [, heading, service] = head ?? [];
  if (heading === undefined || service === undefined) return undefined;
  const title = heading.toLowerCase();
  const action = /roll ?back/.test(title)
    ? "rollback"
    : /restart/.test(title)
      ? "rollout_restart"
      : /kill|cancel|terminate/.test(title)
        ? "kill_db_query"
        : /delete pod|delete the pod/.test(title)
          ? "delete_pod"
          : /scale/.test(title)
            ? "scale"
            : /flush/.test(title)
              ? "flush_cache_prefix"
              : /pause/.test(title)
                ? "pause_rollout"
                : title;
  return { action, service, approvable: actionIds(m).some((a) => a.includes("approve")) };
}

/** The bot's status note of a reopening (":rotating_light: INC-… resolved → *open* by …"); the postmortem's timeline quoting it ("Status resolved → open: …") is not another reopen. */
export const isReopenNote = (m: SlackMessageLike): boolean => /resolved → \*open\*/.test(messageText(m));

/** What a resolved card still shows that belongs to an open incident (each a stale field). */
export function staleFields(root: SlackMessageLike, replies: readonly SlackMessageLike[]): string[] {
  const text = messageText(root);
  const stale: string[] = [];
  if (/\*Impact\*/.test(text)) stale.push("impact");
  if (/being assessed/.test(text)) stale.push("impact being assessed");
  if (/\*What to do next\*|Recommended:/.test(text)) stale.push("recommendations");
  if (actionIds(root).some((a) => a !== "incident_reopen" && a !== "incident_timeline")) stale.push("incident buttons");
  for (const r of replies) if (readActionCard(r)?.approvable) stale.push(`action card still approvable (${readActionCard(r)!.action})`);
  return stale;
}
