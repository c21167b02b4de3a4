import type { Json } from "./types.ts";
import type { SlackWorkspace } from "./workspace.ts";

/**
 * What the Slack client does to typed text before sending it: `@alice` → `<@U_ALICE>`,
 * `@sre-approvers` → `<!subteam^S…>`, `@here`/`@channel` → `<!here>`/`<!channel>`,
 * `#incidents` → `<#C…|incidents>`. Text already in Slack markup is left alone.
 */
export function encodeMentions(ws: SlackWorkspace, text: string): string {
  return text
    .replace(/(^|[\s(])@([a-z0-9._-]+)/gi, (all, pre: string, name: string) => {
      const lower = name.toLowerCase();
      if (lower === "here" || lower === "channel" || lower === "everyone") return `${pre}<!${lower}>`;
      const u = ws.findUser(lower) ?? ws.listUsers().find((x) => x.realName.toLowerCase() === lower);
      if (u) return `${pre}<@${u.id}>`;
      const g = ws.usergroup(lower);
      if (g) return `${pre}<!subteam^${g.id}|@${g.handle}>`;
      return all;
    })
    .replace(/(^|[\s(])#([a-z0-9_-]+)/gi, (all, pre: string, name: string) => {
      const c = ws.channel(name.toLowerCase());
      return c ? `${pre}<#${c.id}|${c.name}>` : all;
    });
}

/** The rich_text block Slack attaches to a message a person types. */
export function richTextBlock(text: string, blockId: string): Json {
  const elements: Json[] = [];
  const re = /<([@#!])([^>|]+)(?:\|([^>]*))?>|<(https?:\/\/[^>|]+)(?:\|([^>]*))?>/g;
  let last = 0;
  for (const m of text.matchAll(re)) {
    if (m.index > last) elements.push({ type: "text", text: unescape(text.slice(last, m.index)) });
    if (m[4]) elements.push({ type: "link", url: m[4], ...(m[5] ? { text: m[5] } : {}) });
    else if (m[1] === "@") elements.push({ type: "user", user_id: m[2] });
    else if (m[1] === "#") elements.push({ type: "channel", channel_id: m[2] });
    else if (m[2]?.startsWith("subteam^")) elements.push({ type: "usergroup", usergroup_id: m[2].slice(8) });
    else elements.push({ type: "broadcast", range: m[2] });
    last = m.index + m[0].length;
  }
  if (last < text.length) elements.push({ type: "text", text: unescape(text.slice(last)) });
  return { type: "rich_text", block_id: blockId, elements: [{ type: "rich_text_section", elements }] };
}

function unescape(s: string): string {
  return s.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}
