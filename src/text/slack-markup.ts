import { SLACK_LIMITS } from "../domain/slack-limits.ts";

/**
 * The one escaping boundary for text that reaches Slack. Anything that came from outside (alert
 * summaries and labels, change authors and URLs, Jira/PagerDuty fields, log lines, model output) goes
 * through one of these before it is put into a message `text`, a mrkdwn or plain_text object, a
 * confirm dialog, a modal or a link. Slack reads `<…>` as links, mentions and broadcasts
 * (`<!channel>`, `<@U…>`, `<!subteam^…>`, `<url|label>`) and `&` as an entity in every one of those
 * places (its clients decode the entities in plain_text too), so the three are escaped everywhere.
 *
 * Markup the product itself means (a link, a mention of a user it knows, a date) is built here too,
 * from validated parts, so a presenter never writes `<…>` by hand.
 */

/** Escapes `&`, `<` and `>`: the text reads the same and nothing in it is live. */
export function escapeText(text: string): string {
  return String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** Outside text inside backticks: escaped, and a backtick in it cannot close the code span. */
export function inlineCode(text: string): string {
  return `\`${escapeText(String(text).replace(/`/g, "ˋ")) || " "}\``;
}

/**
 * A URL made safe for `<url|label>`: only http(s), and `|`, `<`, `>`, whitespace and quotes are
 * percent-encoded so the URL cannot end the link early or carry a label or mention of its own.
 * Undefined when the URL is not http(s) (javascript:, slack:, relative, garbage).
 */
export function safeUrl(url: string | undefined): string | undefined {
  if (!url) return undefined;
  const trimmed = String(url).trim();
  if (!/^https?:\/\//i.test(trimmed)) return undefined;
  try {
    const u = new URL(trimmed);
    if (u.protocol !== "http:" && u.protocol !== "https:") return undefined;
    return u.href.replace(/[|<>\s"'`]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`);
  } catch {
    return undefined;
  }
}

/**
 * A link: `<url|label>` for an http(s) URL, else just the (escaped) label. The label is escaped, so
 * it can hold no markup; with no label the URL itself is shown.
 */
export function link(url: string | undefined, label?: string): string {
  const href = safeUrl(url);
  const text = label === undefined || label === "" ? undefined : escapeText(label);
  if (!href) return text ?? escapeText(url ?? "");
  return text === undefined ? `<${href}>` : `<${href}|${text}>`;
}

const USER_ID = /^[UW][A-Z0-9_]{1,40}$/;
const GROUP_ID = /^S[A-Z0-9_]{1,40}$/;

/** True for a Slack user id (`U…`/`W…`), the only thing that may become a `<@…>` mention. */
export const isSlackUserId = (id: string | undefined): id is string => typeof id === "string" && USER_ID.test(id);

/** A mention of a Slack user the product knows by id; anything else is shown as escaped text. */
export function mentionUser(id: string): string {
  return isSlackUserId(id) ? `<@${id}>` : escapeText(id);
}

/** A user id as a mention, or a name (escaped) when there is no id. */
export function personRef(p: { name: string; slackUserId?: string }): string {
  return p.slackUserId && isSlackUserId(p.slackUserId) ? `<@${p.slackUserId}>` : escapeText(p.name);
}

/** A mention of a Slack user group (`S…`); anything else is shown as escaped text. */
export function mentionGroup(id: string): string {
  return GROUP_ID.test(id) ? `<!subteam^${id}>` : escapeText(id);
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** A moment as a person reads it in UTC: "12:27 UTC", or with the date "5 Dec 12:27 UTC". */
export function readableUtc(at: string | number, withDate = false): string {
  const d = new Date(typeof at === "number" ? at : Date.parse(at));
  if (!Number.isFinite(d.getTime())) return String(at);
  const hm = `${String(d.getUTCHours()).padStart(2, "0")}:${String(d.getUTCMinutes()).padStart(2, "0")} UTC`;
  return withDate ? `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${hm}` : hm;
}

/**
 * A date Slack shows in the reader's time zone: `<!date^epoch^format|fallback>`. The fallback (what
 * notifications and older clients show) is readable UTC unless given. An unparsable time gives the
 * escaped fallback alone.
 */
export function slackDate(at: string | number, format: string, fallback?: string): string {
  const ms = typeof at === "number" ? at : Date.parse(at);
  const shown = escapeText(fallback ?? readableUtc(at, /\{date/.test(format))).replace(/\|/g, "¦");
  if (!Number.isFinite(ms)) return shown;
  return `<!date^${Math.floor(ms / 1000)}^${format.replace(/[|<>^]/g, "")}|${shown}>`;
}

/**
 * Live control sequences in a piece of Slack text: broadcasts, user and group mentions, and links.
 * Used by the tests that render every presenter with hostile input; `allowed` lists sequences the
 * product put there on purpose (its own links and mentions).
 */
export function liveControls(text: string): string[] {
  return [...String(text).matchAll(/<(![a-z]+(?:\^[^>]*)?|@[^>]*|#[^>]*|[a-z][a-z0-9+.-]*:[^>]*)>/gi)].map((m) => m[0]);
}

/**
 * Text the product wrote around outside values and then stored (timelines, steps, postmortem
 * sections): everything is escaped, then mentions of the users in `known` (people the product saw
 * act, by their Slack ids) are made live again. A mention of anyone else stays text.
 */
export function escapeKeepingMentions(text: string, known: Iterable<string | undefined>): string {
  const ids = new Set([...known].filter(isSlackUserId));
  return escapeText(text).replace(/&lt;@([UW][A-Z0-9_]{1,40})(?:\|[^&]*)?&gt;/g, (all, id: string) => (ids.has(id) ? `<@${id}>` : all));
}

/** "13:06 UTC", the time of day the Slack presenters turn into a date token (slackTimesIn), never a raw ISO time. */
export function utcTimeOfDay(ms: number): string {
  return `${new Date(ms).toISOString().slice(11, 16)} UTC`;
}

/**
 * Turns the "13:06 UTC" times in a piece of (escaped) text into Slack date tokens, so the reader
 * sees them in their own time zone. The day is the one that puts the time nearest `nearMs` (the
 * incident's time): text from the diagnosis engine names times of day only. Date tokens already in
 * the text are left as they are. A token is some 25 characters longer than the time it shows: with
 * `maxLength`, times are turned (first first) only while the text stays within it, the rest stay
 * readable as they are, so a text fitted to Slack's limit is never pushed over it.
 */
export function slackTimesIn(text: string, nearMs: number, maxLength = Number.POSITIVE_INFINITY): string {
  if (!Number.isFinite(nearMs)) return text;
  let length = text.length;
  return text.replace(/<!date\^[^>]*>|\b([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d))? UTC\b/g, (all, hh: string | undefined, mm: string, ss: string | undefined) => {
    if (hh === undefined) return all; // already a date token
    const d = new Date(nearMs);
    const base = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), Number(hh), Number(mm), Number(ss ?? 0));
    const at = [base - 86_400_000, base, base + 86_400_000].reduce((best, t) => (Math.abs(t - nearMs) < Math.abs(best - nearMs) ? t : best));
    const token = slackDate(at, "{time}", all);
    if (length + token.length - all.length > maxLength) return all;
    length += token.length - all.length;
    return token;
  });
}

/**
 * Every mrkdwn text of some blocks with its "13:06 UTC" times as date tokens (see slackTimesIn),
 * within Slack's limits: a section's text stays within 3,000 characters and a field's within 2,000
 * (a postmortem's timeline fitted to 3,000 went over with its tokens, and Slack refused the message:
 * invalid_blocks, so the draft never reached the thread).
 */
export function blocksWithSlackTimes<T>(blocks: T[], nearMs: number): T[] {
  const walk = (v: unknown, max: number): unknown => {
    if (Array.isArray(v)) return v.map((x) => walk(x, max));
    if (!v || typeof v !== "object") return v;
    const o = v as Record<string, unknown>;
    if (o.type === "mrkdwn" && typeof o.text === "string") return { ...o, text: slackTimesIn(o.text, nearMs, Math.max(max, o.text.length)) };
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, walk(x, k === "fields" ? SLACK_LIMITS.sectionFieldText : max)]));
  };
  return blocks.map((b) => walk(b, SLACK_LIMITS.sectionText) as T);
}

/**
 * Slack mrkdwn the product built (outside text already escaped) → the markdown `chat.startStream` /
 * `appendStream` take (pure): `<url|label>` → `[label](url)`, `*bold*` → `**bold**`, `~strike~` →
 * `~~strike~~`. Entities (`&lt;` …) stay: markdown shows them as the characters, never as markup, so
 * escaped outside text stays inert. Mentions, dates and code spans are kept as they are.
 */
export function mrkdwnToMarkdown(mrkdwn: string): string {
  const parts = String(mrkdwn).split(/(```[\s\S]*?```|`[^`\n]*`)/);
  return parts
    .map((p, i) => {
      if (i % 2 === 1) return p;
      return p
        .replace(/<(https?:\/\/[^|>\s]+)\|([^>]*)>/g, (_m, url: string, label: string) => `[${label.replace(/[[\]]/g, "")}](${url.replace(/[()]/g, (c) => encodeURIComponent(c))})`)
        .replace(/<(https?:\/\/[^|>\s]+)>/g, "$1")
        .replace(/(^|[\s(])\*([^*\n]+)\*(?=[\s).,:;!?]|$)/g, "$1**$2**")
        .replace(/(^|[\s(])~([^~\n]+)~(?=[\s).,:;!?]|$)/g, "$1~~$2~~");
    })
    .join("");
}
