import { liveControls } from "../../src/text/slack-markup.ts";

/** Every Slack control sequence an outsider could try, plus a link with a label of its own. */
export const HOSTILE = "<!channel> <!here> <!everyone> <@UEVIL1> <!subteam^SEVIL1> <https://evil.example|click> & `x";
/** A URL that tries to close the link early and bring its own label and broadcast. */
export const HOSTILE_URL = "https://evil.example/x|<!everyone>|details";

/** Keys whose values are enumerations or times the product itself validated: kept as they are. */
const KEEP = new Set(["status", "severity", "kind", "uncertainty", "state", "type", "system", "at", "createdAt", "updatedAt", "startsAt", "endsAt", "resolvedAt", "acknowledgedAt", "origin", "verdict", "risk", "section", "level"]);

/** A copy of `sample` with every string (but enumerations and times) replaced by hostile text. */
export function hostileCopy<T>(sample: T, keep: ReadonlySet<string> = KEEP): T {
  const walk = (v: unknown, key: string | undefined): unknown => {
    if (typeof v === "string") {
      if (key && keep.has(key)) return v;
      return key && /url$|^permalink$|^href$/i.test(key) ? HOSTILE_URL : HOSTILE;
    }
    if (Array.isArray(v)) return v.map((x) => walk(x, key));
    if (v && typeof v === "object") {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = walk(x, k);
      if (key === "labels" || key === "annotations") out[HOSTILE] = HOSTILE;
      return out;
    }
    return v;
  };
  return walk(sample, undefined) as T;
}

/** Keys Slack does not render as text (ids, values handed back to the app, editable input). */
const HIDDEN = new Set(["action_id", "block_id", "value", "initial_value", "private_metadata", "callback_id", "url", "image_url", "external_id", "metadata", "trigger_id", "channel", "thread_ts", "ts"]);

/** Every string Slack would render or notify with, with where it is. */
export function shownStrings(message: unknown): Array<{ path: string; text: string }> {
  const out: Array<{ path: string; text: string }> = [];
  const walk = (v: unknown, path: string, key: string | undefined) => {
    if (key && HIDDEN.has(key)) return;
    if (typeof v === "string") out.push({ path, text: v });
    else if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${path}/${i}`, key));
    else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) walk(x, `${path}/${k}`, k);
  };
  walk(message, "", undefined);
  return out;
}

/**
 * Live control sequences that came from outside: broadcasts, mentions of the hostile user or group,
 * links labelled by the outsider, or links whose URL part carries markup. Links and mentions the
 * product makes itself (its own labels, known users) are not injections.
 */
export function injections(message: unknown): string[] {
  const found: string[] = [];
  for (const { path, text } of shownStrings(message)) {
    for (const c of liveControls(text)) {
      const [target = ""] = c.slice(1, -1).split("|");
      const label = c.slice(1, -1).split("|").slice(1).join("|");
      const bad = /^!(channel|here|everyone)\b/.test(target) || /EVIL/.test(target) || target === "https://evil.example" || /[<>]/.test(target) || /</.test(label);
      if (bad) found.push(`${path}: ${c}`);
    }
  }
  return found;
}
