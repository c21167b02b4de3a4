// Slack mrkdwn → HTML, as the Slack client renders it: *bold*, _italic_, ~strike~, `code`,
// ```code blocks```, > quotes, <url|links>, <@U…> users, <#C…> channels, <!subteam^S…> groups,
// <!here>, <!date^…|fallback>, :emoji:. Plain browser JS, no dependencies.

const EMOJI = {
  white_check_mark: "✅", heavy_check_mark: "✔️", x: "❌", warning: "⚠️", rotating_light: "🚨", red_circle: "🔴",
  large_green_circle: "🟢", large_yellow_circle: "🟡", large_orange_circle: "🟠", large_blue_circle: "🔵", white_circle: "⚪",
  black_circle: "⚫", fire: "🔥", eyes: "👀", mag: "🔍", mag_right: "🔎", chart_with_upwards_trend: "📈", chart_with_downwards_trend: "📉",
  bar_chart: "📊", rocket: "🚀", hourglass: "⌛", hourglass_flowing_sand: "⏳", bulb: "💡", point_right: "👉", thumbsup: "👍", "+1": "👍",
  thumbsdown: "👎", "-1": "👎", tada: "🎉", memo: "📝", link: "🔗", wrench: "🔧", hammer_and_wrench: "🛠️", bell: "🔔", no_bell: "🔕",
  information_source: "ℹ️", no_entry: "⛔", no_entry_sign: "🚫", construction: "🚧", robot_face: "🤖", stopwatch: "⏱️", clock1: "🕐",
  pager: "📟", telephone_receiver: "📞", ticket: "🎫", clipboard: "📋", page_facing_up: "📄", books: "📚", book: "📖",
  arrows_counterclockwise: "🔄", leftwards_arrow_with_hook: "↩️", rewind: "⏪", repeat: "🔁", arrow_up: "⬆️", arrow_down: "⬇️",
  arrow_right: "➡️", lock: "🔒", unlock: "🔓", key: "🔑", shield: "🛡️", question: "❓", grey_question: "❔", exclamation: "❗",
  heavy_exclamation_mark: "❗", bangbang: "‼️", sos: "🆘", zap: "⚡", boom: "💥", ok: "🆗", new: "🆕", up: "🆙", package: "📦",
  gear: "⚙️", electric_plug: "🔌", satellite: "📡", computer: "💻", desktop_computer: "🖥️", floppy_disk: "💾", card_index: "📇",
  calendar: "📆", date: "📅", spiral_note_pad: "🗒️", pushpin: "📌", round_pushpin: "📍", checkered_flag: "🏁", triangular_flag_on_post: "🚩",
  dart: "🎯", mega: "📣", loudspeaker: "📢", speech_balloon: "💬", thought_balloon: "💭", brain: "🧠", test_tube: "🧪",
  microscope: "🔬", scales: "⚖️", stop_sign: "🛑", vertical_traffic_light: "🚦", traffic_light: "🚥", skull: "💀",
  slightly_smiling_face: "🙂", smile: "😄", wave: "👋", pray: "🙏", raised_hands: "🙌", raised_hand: "✋", muscle: "💪", sparkles: "✨", star: "⭐",
  heavy_plus_sign: "➕", heavy_minus_sign: "➖", small_red_triangle: "🔺", small_red_triangle_down: "🔻", chart: "💹",
  arrow_forward: "▶️", arrow_backward: "◀️", arrow_double_up: "⏫", arrow_double_down: "⏬", twisted_rightwards_arrows: "🔀",
  bust_in_silhouette: "👤", busts_in_silhouette: "👥", pencil2: "✏️", pencil: "📝", whale: "🐳", alarm_clock: "⏰", alarm: "⏰",
  large_red_square: "🟥", large_green_square: "🟩", large_yellow_square: "🟨", white_large_square: "⬜", black_large_square: "⬛",
};

export function emoji(name) {
  const base = name.replace(/::skin-tone-\d$/, "");
  return EMOJI[base] ?? `:${name}:`;
}

export function escapeHtml(s) {
  return String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** Slack text arrives with &, <, > already escaped as entities; decode before re-escaping. */
function decodeEntities(s) {
  return s.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

function safeUrl(url) {
  return /^(https?:|mailto:|\/)/i.test(url) ? url : "#";
}

/**
 * Renders a special `<…>` token. `dir` resolves ids to names: { user(id), channel(id), group(id) }.
 */
function special(inner, dir) {
  const [target, label] = splitOnce(inner, "|");
  if (target.startsWith("@")) {
    const id = target.slice(1);
    const name = dir.user(id) ?? label ?? id;
    return `<span class="mention user-mention" data-user="${escapeHtml(id)}">@${escapeHtml(name)}</span>`;
  }
  if (target.startsWith("#")) {
    const id = target.slice(1);
    const name = dir.channel(id) ?? label ?? id;
    return `<span class="mention channel-mention" data-channel="${escapeHtml(id)}">#${escapeHtml(name)}</span>`;
  }
  if (target.startsWith("!subteam^")) {
    const id = target.slice(9);
    const handle = dir.group(id) ?? (label ? label.replace(/^@/, "") : id);
    return `<span class="mention group-mention" data-group="${escapeHtml(id)}">@${escapeHtml(handle)}</span>`;
  }
  if (target.startsWith("!date^")) return escapeHtml(decodeEntities(label ?? target));
  if (target.startsWith("!")) return `<span class="mention broadcast-mention">@${escapeHtml(target.slice(1))}</span>`;
  const url = decodeEntities(target);
  const text = label !== undefined ? decodeEntities(label) : url.replace(/^mailto:/, "");
  return `<a href="${escapeHtml(safeUrl(url))}" target="_blank" rel="noopener noreferrer">${escapeHtml(text)}</a>`;
}

function splitOnce(s, sep) {
  const i = s.indexOf(sep);
  return i < 0 ? [s, undefined] : [s.slice(0, i), s.slice(i + 1)];
}

const WRAP_BEFORE = "(^|[\\s(\\[{>\"'“‘~_*\u0002])";
const WRAP_AFTER = "(?=$|[\\s)\\]}.,!?:;\"'”’~_*\u0001])";
const STYLE = [
  [new RegExp(`${WRAP_BEFORE}\\*(?!\\s)([^*\\n]+?)\\*${WRAP_AFTER}`, "g"), "strong"],
  [new RegExp(`${WRAP_BEFORE}_(?!\\s)([^_\\n]+?)_${WRAP_AFTER}`, "g"), "em"],
  [new RegExp(`${WRAP_BEFORE}~(?!\\s)([^~\\n]+?)~${WRAP_AFTER}`, "g"), "del"],
];

/** Renders mrkdwn text to HTML. */
export function mrkdwn(text, dir) {
  const held = [];
  const hold = (html) => `\u0001${held.push(html) - 1}\u0002`;
  let s = String(text ?? "");
  // Code blocks and inline code: nothing inside is formatted.
  s = s.replace(/```([\s\S]*?)```/g, (_, code) => hold(`<pre class="code-block"><code>${escapeHtml(decodeEntities(code.replace(/^\n/, "")))}</code></pre>`));
  s = s.replace(/`([^`\n]+)`/g, (_, code) => hold(`<code class="inline-code">${escapeHtml(decodeEntities(code))}</code>`));
  s = s.replace(/<([^<>\n]+)>/g, (_, inner) => hold(special(inner, dir)));
  s = escapeHtml(decodeEntities(s));
  for (let pass = 0; pass < 2; pass++) for (const [re, tag] of STYLE) s = s.replace(re, (_, pre, body) => `${pre}<${tag}>${body}</${tag}>`);
  s = s.replace(/:([a-z0-9_+'-]+(?:::skin-tone-\d)?):/g, (all, name) => {
    const e = emoji(name);
    return e.startsWith(":") ? all : `<span class="emoji" title=":${name}:">${e}</span>`;
  });
  // Quotes: lines starting with "> ".
  s = s
    .split("\n")
    .map((line) => (line.startsWith("&gt; ") || line === "&gt;" ? `<span class="quote">${line.replace(/^&gt; ?/, "")}</span>` : line))
    .join("\n");
  s = s.replace(/\n/g, "<br>");
  s = s.replace(/\u0001(\d+)\u0002/g, (_, i) => held[Number(i)]);
  return s.replace(/<br><pre/g, "<pre").replace(/<\/pre><br>/g, "</pre>");
}

/** Renders a plain_text object's text (emoji codes honoured when `emoji` is not false). */
export function plain(text, withEmoji = true) {
  const s = escapeHtml(decodeEntities(String(text ?? "")));
  if (!withEmoji) return s;
  return s.replace(/:([a-z0-9_+'-]+):/g, (all, name) => {
    const e = emoji(name);
    return e.startsWith(":") ? all : e;
  });
}

/** A text object ({type: plain_text|mrkdwn, text}) to HTML. */
export function textObject(obj, dir) {
  if (!obj) return "";
  if (obj.type === "mrkdwn") return mrkdwn(obj.text, dir);
  return plain(obj.text, obj.emoji !== false);
}

/** The @-name directory built from the workspace snapshot. */
export function directory(ws) {
  const users = new Map((ws?.users ?? []).map((u) => [u.id, u.profile?.display_name || u.real_name || u.name]));
  const channels = new Map((ws?.channels ?? []).map((c) => [c.id, c.name]));
  const groups = new Map((ws?.usergroups ?? []).map((g) => [g.id, g.handle]));
  return { user: (id) => users.get(id), channel: (id) => channels.get(id), group: (id) => groups.get(id) };
}
