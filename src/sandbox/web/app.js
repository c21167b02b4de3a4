// The sandbox workspace page: channels, messages and threads, Block Kit, modals, a composer with
// @mentions and slash commands, a user switcher, live updates (server-sent events), and panels for
// the rest of the sandbox (GET /sandbox/state) with scenario buttons. Plain browser JS.

import { h, renderBlocks } from "./blocks.js";
import { directory, escapeHtml, mrkdwn } from "./mrkdwn.js";

const $ = (sel) => document.querySelector(sel);
const state = {
  me: localStorage.getItem("aisre.sandbox.user") || "U_ALICE",
  ws: null,
  dir: directory(null),
  channel: null,
  view: "channel", // or "home"
  messages: [],
  thread: null,
  /** The assistant container (side panel): open or not, the current thread and what the app set on it. */
  assistant: { open: false, thread: null },
  hiddenEphemeral: new Set(),
  modalInputs: {},
  sideTab: null,
  sandboxState: {},
  scenarios: { scenarios: [], active: null, available: false },
};

// ---- HTTP ------------------------------------------------------------------------------------

async function getJson(path) {
  const res = await fetch(path);
  if (!res.ok) throw new Error(`${path}: ${res.status}`);
  return res.json();
}

/** Posts a user action. The control API answers once the bot has replied; the page does not wait for that to update. */
async function act(path, body) {
  try {
    const res = await fetch(path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body ?? {}) });
    const json = await res.json().catch(() => ({}));
    if (!res.ok) toast(`${json.error ?? res.status}${json.detail ? `: ${json.detail}` : ""}`);
    else if (json.ok === false && json.error && json.error !== "required_fields") toast(`The app did not answer in time (${json.error})`);
    return json;
  } catch (e) {
    toast(String(e));
    return {};
  }
}

function toast(text) {
  const t = $("#toast");
  t.textContent = text;
  t.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => (t.hidden = true), 5000);
}

const userPath = () => `/sandbox/users/${encodeURIComponent(state.me)}`;

// ---- workspace -------------------------------------------------------------------------------

async function loadWorkspace() {
  state.ws = await getJson(`/sandbox/workspace?user=${encodeURIComponent(state.me)}`);
  state.dir = directory(state.ws);
  $("#team-name").textContent = state.ws.team.name;
  renderSwitcher();
  renderSidebar();
  renderModal();
  if (state.view === "home") renderHome();
}

function userById(id) {
  return state.ws?.users.find((u) => u.id === id);
}

function displayName(id) {
  const u = userById(id);
  if (!u) return id;
  return u.is_bot || u.id === "USLACKBOT" ? u.real_name : u.real_name || u.name;
}

function renderSwitcher() {
  const sel = $("#user-switcher");
  sel.replaceChildren(...state.ws.people.map((p) => h("option", { value: p.id, selected: p.id === state.me }, `${p.real_name} (${p.title})`)));
}

function renderSidebar() {
  const list = $("#channel-list");
  list.replaceChildren(
    ...state.ws.channels.map((c) =>
      h(
        "li",
        {},
        h(
          "button",
          { type: "button", class: `channel-link${c.id === state.channel && state.view === "channel" ? " active" : ""}`, "aria-current": c.id === state.channel && state.view === "channel" ? "page" : null, dataset: { channel: c.id, name: c.name }, onclick: () => openChannel(c.id) },
          `${c.is_private ? "🔒" : "#"} ${c.name}`,
        ),
      ),
    ),
  );
  $("#app-list").replaceChildren(
    h("li", {}, h("button", { type: "button", class: `channel-link${state.view === "home" ? " active" : ""}`, onclick: openHome }, `${state.ws.bot.name} (app)`)),
    // OAuth installs: the app's install path, which goes through the authorize page and back.
    ...(state.ws.install_url ? [h("li", {}, h("a", { class: "channel-link add-to-slack", href: state.ws.install_url }, "Add to Slack"))] : []),
  );
  const approvers = new Set(state.ws.usergroups.flatMap((g) => g.users));
  $("#people-list").replaceChildren(
    ...state.ws.people.map((p) =>
      h("li", { class: p.id === state.me ? "me" : "" }, avatar(p.id, "avatar-small"), ` ${p.real_name}`, h("span", { class: "person-title" }, ` · ${p.title}${approvers.has(p.id) ? " · sre-approvers" : ""}`)),
    ),
  );
}

function avatar(userId, cls = "avatar") {
  const u = userById(userId);
  const name = displayName(userId);
  const initials = u?.is_bot ? name.slice(0, 1).toUpperCase() : name.split(/\s+/).map((w) => w[0]).join("").slice(0, 2).toUpperCase();
  return h("div", { class: cls, style: `background:#${u?.color ?? "888"}`, "aria-hidden": "true" }, initials);
}

// ---- channel ---------------------------------------------------------------------------------

async function openChannel(id) {
  state.view = "channel";
  state.channel = id;
  history.replaceState(null, "", `/archives/${id}`);
  const c = state.ws.channels.find((x) => x.id === id);
  $("#channel-title").textContent = `${c?.is_private ? "🔒" : "#"} ${c?.name ?? id}`;
  $("#channel-topic").textContent = c?.topic || c?.purpose || "";
  $("#channel-bookmarks").replaceChildren(...(c?.bookmarks ?? []).map((b) => h("a", { class: "bookmark", href: b.link, target: "_blank", rel: "noopener" }, `🔖 ${b.title}`)));
  $("#composer-input").placeholder = `Message #${c?.name ?? ""}`;
  $("#composer").hidden = false;
  $(".composer-hint").hidden = false;
  renderSidebar();
  assistantContextChanged();
  await refreshMessages();
}

async function refreshMessages() {
  if (state.view !== "channel" || !state.channel) return;
  const r = await getJson(`${userPath()}/channels/${encodeURIComponent(state.channel)}/messages`);
  if (r.channel !== state.channel) return;
  state.messages = r.messages;
  renderMessages();
}

function renderMessages() {
  const box = $("#messages");
  const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 80;
  const msgs = state.messages.filter((m) => !state.hiddenEphemeral.has(m.ts) && !(m.is_ephemeral && m.thread_ts && m.thread_ts !== m.ts));
  box.replaceChildren(...(msgs.length ? msgs.map((m) => messageEl(m, { inThread: false })) : [h("div", { class: "empty" }, "No messages yet. Say hello, or try /aisre help.")]));
  if (atBottom || box.dataset.channel !== state.channel) box.scrollTop = box.scrollHeight;
  box.dataset.channel = state.channel;
}

/** A message's time of day in UTC, as the times in messages read (their date tokens fall back to UTC). */
function time(ts) {
  const d = new Date(Number(ts) * 1000);
  return d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", timeZone: "UTC" });
}

function messageEl(m, { inThread }) {
  const isBot = !!m.bot_id || m.user === "USLACKBOT";
  const ctx = {
    dir: state.dir,
    surface: "message",
    onAction: (a) => act(`${userPath()}/clicks`, { channel: m.channel, ts: m.ts, action_id: a.action_id, block_id: a.block_id, value: a.value }),
  };
  const head = h(
    "div",
    { class: "message-head" },
    h("span", { class: "author" }, displayName(m.user)),
    isBot && m.user !== "USLACKBOT" ? h("span", { class: "badge" }, "APP") : null,
    h("time", { class: "time", datetime: new Date(Number(m.ts) * 1000).toISOString() }, time(m.ts)),
    m.edited ? h("span", { class: "edited" }, "(edited)") : null,
  );
  const body = h("div", { class: "message-body" });
  if (m.blocks?.length && !(m.blocks.length === 1 && m.blocks[0].type === "rich_text" && !isBot)) body.append(renderBlocks(m.blocks, ctx));
  else if (m.text) body.append(h("div", { class: "message-text", html: mrkdwn(m.text, state.dir) }));
  if (!m.blocks?.length && !m.text && !m.files?.length) body.append(h("div", { class: "message-text muted" }, "This content can't be displayed."));
  for (const f of m.files ?? []) body.append(fileEl(f));
  // App unfurls (chat.unfurl) of the links in the message, under it.
  for (const a of (m.attachments ?? []).filter((x) => x.is_app_unfurl)) {
    body.append(h("div", { class: "unfurl", dataset: { url: a.original_url ?? "" } }, a.blocks?.length ? renderBlocks(a.blocks, ctx) : h("div", { class: "message-text", html: mrkdwn(a.text ?? a.fallback ?? "", state.dir) })));
  }
  if (m.reactions?.length) body.append(h("div", { class: "reactions" }, m.reactions.map((r) => h("span", { class: "reaction", title: r.users.map(displayName).join(", ") }, `${mrkdwn(`:${r.name}:`, state.dir).replace(/<[^>]+>/g, "")} ${r.count}`))));
  if (!inThread && m.reply_count) {
    body.append(
      h(
        "button",
        { type: "button", class: "thread-link", dataset: { threadTs: m.ts }, onclick: () => openThread(m.channel, m.ts) },
        h("span", { class: "reply-avatars" }, (m.reply_users ?? []).slice(0, 3).map((u) => avatar(u, "avatar-tiny"))),
        `${m.reply_count} ${m.reply_count === 1 ? "reply" : "replies"}`,
      ),
    );
  }
  const tools =
    inThread || m.is_ephemeral
      ? null
      : h("div", { class: "message-tools" }, h("button", { type: "button", class: "btn btn-small", "aria-label": "Reply in thread", onclick: () => openThread(m.channel, m.ts) }, "Reply in thread"));
  const eph = m.is_ephemeral
    ? h("div", { class: "ephemeral-note" }, "Only visible to you · ", h("button", { type: "button", class: "link-button", onclick: () => (state.hiddenEphemeral.add(m.ts), renderMessages(), renderThread()) }, "Dismiss"))
    : null;
  return h(
    "article",
    { class: `message${m.is_ephemeral ? " ephemeral" : ""}${m.pinned_to ? " pinned" : ""}`, dataset: { ts: m.ts, channel: m.channel, user: m.user }, "aria-label": `${displayName(m.user)} at ${time(m.ts)}` },
    avatar(m.user),
    h("div", { class: "message-main" }, eph, m.pinned_to ? h("div", { class: "pinned-note" }, "Pinned") : null, head, body),
    tools,
  );
}

function fileEl(f) {
  const src = `/sandbox/files/${encodeURIComponent(f.id)}`;
  // Like Slack, a click on an image opens it at full size.
  if (String(f.mimetype).startsWith("image/")) return h("figure", { class: "file file-image" }, h("figcaption", {}, f.title || f.name), h("a", { href: src, target: "_blank", rel: "noopener", title: "Open full size" }, h("img", { src, alt: f.alt_txt || f.title || f.name })));
  return h("a", { class: "file", href: src, target: "_blank", rel: "noopener" }, `File: ${f.title || f.name}`);
}

// ---- thread ----------------------------------------------------------------------------------

async function openThread(channel, ts) {
  closeAssistant();
  state.thread = { channel, ts, parent: null, replies: [] };
  $("#thread").hidden = false;
  await refreshThread();
  $("#thread-input").focus();
}

async function refreshThread() {
  if (!state.thread) return;
  const { channel, ts } = state.thread;
  try {
    const r = await getJson(`${userPath()}/channels/${encodeURIComponent(channel)}/threads/${encodeURIComponent(ts)}`);
    if (state.thread?.ts !== ts) return;
    state.thread.parent = r.parent;
    state.thread.replies = r.replies;
    state.thread.status = r.status;
  } catch {
    closeThread();
    return;
  }
  renderThread();
}

function renderThread() {
  if (!state.thread?.parent) return;
  const box = $("#thread-messages");
  const replies = state.thread.replies.filter((m) => !state.hiddenEphemeral.has(m.ts));
  const status = state.thread.status ? h("div", { class: "assistant-status", role: "status" }, `${state.ws.bot.name} ${state.thread.status.charAt(0).toLowerCase()}${state.thread.status.slice(1)}`) : null;
  box.replaceChildren(messageEl(state.thread.parent, { inThread: true }), h("div", { class: "thread-count" }, `${replies.length} ${replies.length === 1 ? "reply" : "replies"}`), ...replies.map((m) => messageEl(m, { inThread: true })), ...(status ? [status] : []));
  box.scrollTop = box.scrollHeight;
}

function closeThread() {
  state.thread = null;
  $("#thread").hidden = true;
}

// ---- assistant container (the AI app's side panel) -------------------------------------------

async function openAssistant() {
  // The side panel takes the thread pane's place.
  closeThread();
  state.assistant.open = true;
  $("#assistant").hidden = false;
  $("#open-assistant").setAttribute("aria-expanded", "true");
  // Opening the container starts a thread with the channel in view as context (assistant_thread_started).
  if (!state.assistant.thread) await newAssistantThread();
  else await refreshAssistant();
  $("#assistant-input").focus();
}

function closeAssistant() {
  state.assistant.open = false;
  $("#assistant").hidden = true;
  $("#open-assistant").setAttribute("aria-expanded", "false");
}

async function newAssistantThread() {
  const r = await act(`${userPath()}/assistant/threads`, state.view === "channel" && state.channel ? { channel: state.channel } : {});
  if (r.thread_ts) state.assistant.thread = r;
  renderAssistant();
}

async function refreshAssistant() {
  const ts = state.assistant.thread?.thread_ts;
  if (!state.assistant.open || !ts) return;
  const r = await getJson(`${userPath()}/assistant`).catch(() => null);
  const t = r?.threads.find((x) => x.thread_ts === ts);
  if (t) state.assistant.thread = t;
  renderAssistant();
}

/** Looking at another channel while the container is open changes the thread's context. */
function assistantContextChanged() {
  const t = state.assistant.thread;
  if (!state.assistant.open || !t || state.view !== "channel" || !state.channel || t.context?.channel_id === state.channel) return;
  void act(`${userPath()}/assistant/context`, { thread_ts: t.thread_ts, channel: state.channel }).then((r) => {
    if (r.thread_ts) state.assistant.thread = r;
    renderAssistant();
  });
}

async function askAssistant(text) {
  const t = state.assistant.thread;
  if (!t || !text.trim()) return;
  $("#assistant-prompts").replaceChildren();
  const r = await act(`${userPath()}/assistant`, { text, thread_ts: t.thread_ts });
  if (r.thread_ts) state.assistant.thread = r;
  renderAssistant();
}

function renderAssistant() {
  const t = state.assistant.thread;
  if (!t) return;
  $("#assistant-title").textContent = t.title ? `aisre · ${t.title}` : "aisre";
  const viewing = state.ws.channels.find((c) => c.id === t.context?.channel_id);
  $("#assistant-context").textContent = viewing ? `Context: #${viewing.name}` : "Context: none";
  const box = $("#assistant-messages");
  box.replaceChildren(...(t.conversation ?? []).map((m) => messageEl(m, { inThread: true })));
  box.scrollTop = box.scrollHeight;
  const status = $("#assistant-status");
  status.hidden = !t.status;
  status.textContent = t.status ? `${state.ws.bot.name} ${t.status.charAt(0).toLowerCase()}${t.status.slice(1)}` : "";
  // Suggested prompts show until the person asks something.
  const asked = (t.conversation ?? []).some((m) => m.user === state.me);
  const prompts = !asked && t.suggested_prompts ? t.suggested_prompts.prompts : [];
  $("#assistant-prompts").replaceChildren(
    ...(prompts.length && t.suggested_prompts?.title ? [h("div", { class: "assistant-prompts-title" }, t.suggested_prompts.title)] : []),
    ...prompts.map((p) => h("button", { type: "button", class: "btn btn-small assistant-prompt", onclick: () => askAssistant(p.message) }, p.title)),
  );
}

// ---- home tab --------------------------------------------------------------------------------

function openHome() {
  state.view = "home";
  closeThread();
  $("#channel-title").textContent = `${state.ws.bot.name} · Home`;
  $("#channel-topic").textContent = "";
  $("#channel-bookmarks").replaceChildren();
  $("#composer").hidden = true;
  $(".composer-hint").hidden = true;
  renderSidebar();
  renderHome();
  // Opening the tab is what Slack tells the app (app_home_opened); the view it publishes arrives as a change.
  void act(`${userPath()}/home`, {});
}

function renderHome() {
  const home = state.ws.home;
  const ctx = { dir: state.dir, surface: "home", onAction: (a) => act(`${userPath()}/views/${home.id}/actions`, { action_id: a.action_id, block_id: a.block_id, value: a.value }) };
  $("#messages").replaceChildren(home ? renderBlocks(home.blocks, ctx) : h("div", { class: "empty" }, "The app has not published a Home tab for you."));
}

// ---- modals ----------------------------------------------------------------------------------

function modalState(view) {
  const local = state.modalInputs[view.id] ?? {};
  const out = structuredClone(view.state?.values ?? {});
  for (const [blockId, byAction] of Object.entries(local)) {
    for (const [actionId, raw] of Object.entries(byAction)) {
      out[blockId] ??= {};
      out[blockId][actionId] = { value: raw, selected_date: raw, selected_option: { value: raw } };
    }
  }
  return out;
}

function renderModal() {
  const views = state.ws?.views ?? [];
  let dlg = $("#modal");
  const top = views.at(-1);
  if (!top) {
    if (dlg) {
      dlg.close();
      dlg.remove();
      refocusComposer();
    }
    return;
  }
  if (dlg && dlg.dataset.viewId === top.id && dlg.dataset.hash === top.hash && JSON.stringify(top.errors) === dlg.dataset.errors) return;
  const hadFocus = dlg?.contains(document.activeElement) ? document.activeElement?.dataset?.actionId : null;
  if (dlg) {
    dlg.close();
    dlg.remove();
  }
  const ctx = {
    dir: state.dir,
    surface: "modal",
    state: modalState(top),
    errors: top.errors ?? {},
    onInput: (blockId, actionId, value) => {
      ((state.modalInputs[top.id] ??= {})[blockId] ??= {})[actionId] = value;
    },
    onAction: (a) => act(`${userPath()}/views/${top.id}/actions`, { action_id: a.action_id, block_id: a.block_id, value: a.value }),
  };
  const general = top.errors?.[""];
  dlg = h(
    "dialog",
    { id: "modal", class: "modal", "aria-labelledby": "modal-title", dataset: { viewId: top.id, hash: top.hash, errors: JSON.stringify(top.errors) } },
    h("form", { method: "dialog", class: "modal-form", onsubmit: (e) => (e.preventDefault(), submitModal(top)) },
      h("div", { class: "modal-head" }, h("h2", { id: "modal-title" }, top.title?.text ?? ""), h("button", { type: "button", class: "btn btn-small", "aria-label": "Close", onclick: () => closeModal(top) }, "✕")),
      general ? h("div", { class: "input-error", role: "alert" }, general) : null,
      h("div", { class: "modal-body" }, renderBlocks(top.blocks, ctx)),
      h(
        "div",
        { class: "modal-foot" },
        h("button", { type: "button", class: "btn", onclick: () => closeModal(top) }, top.close?.text ?? "Cancel"),
        top.submit ? h("button", { type: "submit", class: "btn btn-primary" }, top.submit.text) : null,
      ),
    ),
  );
  dlg.addEventListener("cancel", (e) => {
    e.preventDefault();
    closeModal(top);
  });
  document.body.append(dlg);
  dlg.showModal();
  const focusTarget = (hadFocus && dlg.querySelector(`[data-action-id="${CSS.escape(hadFocus)}"]`)) || dlg.querySelector(".has-error input, .has-error textarea, .has-error select") || dlg.querySelector("input, textarea, select, .modal-foot .btn-primary");
  focusTarget?.focus();
}

/** Back to the composer after a modal closes (a blur first: Chromium can keep a stale text-input focus). */
function refocusComposer() {
  const c = state.thread ? $("#thread-input") : $("#composer-input");
  if (document.activeElement instanceof HTMLElement) document.activeElement.blur();
  c.focus();
}

async function submitModal(view) {
  const values = state.modalInputs[view.id] ?? {};
  const r = await act(`${userPath()}/views/${view.id}/submit`, { values });
  if (r.errors) await loadWorkspace();
}

async function closeModal(view) {
  await act(`${userPath()}/views/${view.id}/close`);
  delete state.modalInputs[view.id];
  await loadWorkspace();
}

// ---- composer --------------------------------------------------------------------------------

async function send(text, threadTs) {
  const trimmed = text.trim();
  if (!trimmed) return;
  const cmd = /^(\/[a-z0-9_-]+)(?:\s+([\s\S]*))?$/i.exec(trimmed);
  if (cmd) return act(`${userPath()}/commands`, { channel: state.channel, command: cmd[1], text: cmd[2] ?? "", thread_ts: threadTs });
  return act(`${userPath()}/messages`, { channel: state.channel, text: trimmed, thread_ts: threadTs });
}

function wireComposer(form, input, threadTs) {
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const text = input.value;
    input.value = "";
    hideSuggest();
    void send(text, threadTs());
  });
  input.addEventListener("keydown", (e) => {
    if (handleSuggestKeys(e, input)) return;
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      form.requestSubmit();
    }
  });
  input.addEventListener("input", () => suggest(input));
}

/** @-mention and /command suggestions under the composer. */
function suggest(input) {
  const box = $("#suggest");
  if (input.id !== "composer-input") return;
  const upto = input.value.slice(0, input.selectionStart);
  const at = /(^|\s)@([a-z0-9._-]*)$/i.exec(upto);
  const slash = /^\/([a-z0-9_-]*)$/i.exec(upto);
  let items = [];
  if (at) {
    const q = at[2].toLowerCase();
    const people = state.ws.users.filter((u) => !u.deleted && u.id !== "USLACKBOT").map((u) => ({ insert: `@${u.name} `, label: `@${u.name}`, hint: u.real_name }));
    const groups = state.ws.usergroups.map((g) => ({ insert: `@${g.handle} `, label: `@${g.handle}`, hint: g.name }));
    items = [...people, ...groups, { insert: "@here ", label: "@here", hint: "Notify everyone online" }].filter((i) => i.label.slice(1).toLowerCase().startsWith(q));
    items.forEach((i) => (i.replace = at[2].length + 1));
  } else if (slash) {
    items = state.ws.commands.filter((c) => c.startsWith(`/${slash[1]}`)).map((c) => ({ insert: `${c} `, label: c, hint: "help | status <service> | incidents", replace: upto.length }));
  }
  if (!items.length) return hideSuggest();
  box.replaceChildren(
    ...items.slice(0, 8).map((i, n) =>
      h("div", { class: `suggest-item${n === 0 ? " active" : ""}`, role: "option", "aria-selected": n === 0 ? "true" : "false", onmousedown: (e) => (e.preventDefault(), applySuggestion(input, i)) }, h("strong", {}, i.label), " ", h("span", { class: "muted" }, i.hint)),
    ),
  );
  box.items = items.slice(0, 8);
  box.hidden = false;
}

function hideSuggest() {
  const box = $("#suggest");
  box.hidden = true;
  box.items = [];
}

function applySuggestion(input, item) {
  const pos = input.selectionStart;
  input.value = input.value.slice(0, pos - item.replace) + item.insert + input.value.slice(pos);
  const caret = pos - item.replace + item.insert.length;
  input.setSelectionRange(caret, caret);
  hideSuggest();
  input.focus();
}

function handleSuggestKeys(e, input) {
  const box = $("#suggest");
  if (box.hidden || !box.items?.length || input.id !== "composer-input") return false;
  const els = [...box.children];
  let i = els.findIndex((x) => x.classList.contains("active"));
  if (e.key === "ArrowDown" || e.key === "ArrowUp") {
    e.preventDefault();
    els[i]?.classList.remove("active");
    i = (i + (e.key === "ArrowDown" ? 1 : els.length - 1)) % els.length;
    els[i].classList.add("active");
    return true;
  }
  if (e.key === "Tab" || (e.key === "Enter" && !e.shiftKey)) {
    e.preventDefault();
    applySuggestion(input, box.items[Math.max(i, 0)]);
    return true;
  }
  if (e.key === "Escape") {
    hideSuggest();
    return true;
  }
  return false;
}

// ---- side panels -----------------------------------------------------------------------------

async function refreshSide() {
  try {
    const [s, sc] = await Promise.all([getJson("/sandbox/state"), getJson("/sandbox/scenarios")]);
    state.sandboxState = s;
    state.scenarios = sc;
  } catch {
    return;
  }
  renderSide();
}

const isScalar = (v) => v === null || typeof v !== "object";

/** Scenarios first, one tab per list or object in /sandbox/state, the plain values together in Overview. */
function sideTabs() {
  const keys = Object.keys(state.sandboxState).filter((k) => k !== "channels");
  const tabs = keys.filter((k) => !isScalar(state.sandboxState[k]));
  const overview = keys.some((k) => isScalar(state.sandboxState[k])) ? ["overview"] : [];
  return ["scenarios", "topology", ...tabs, ...overview, "channels"];
}

const label = (k) => k.replace(/([a-z])([A-Z])/g, "$1 $2").replace(/^./, (c) => c.toUpperCase());

function renderSide() {
  const tabs = sideTabs();
  if (!tabs.includes(state.sideTab)) state.sideTab = tabs[0];
  $("#side-tabs").replaceChildren(
    ...tabs.map((t) =>
      h("button", { type: "button", role: "tab", class: `tab${t === state.sideTab ? " active" : ""}`, "aria-selected": t === state.sideTab ? "true" : "false", onclick: () => ((state.sideTab = t), renderSide()) }, label(t)),
    ),
  );
  const panel = $("#side-panel");
  document.body.classList.toggle("wide-panel", state.sideTab === "topology");
  if (state.sideTab === "scenarios") return panel.replaceChildren(scenarioPanel());
  if (state.sideTab === "topology") {
    panel.replaceChildren(h("p", { class: "muted" }, "Loading the topology…"));
    return void loadTopology().then((view) => state.sideTab === "topology" && panel.replaceChildren(view));
  }
  if (state.sideTab === "overview") {
    const scalars = Object.fromEntries(Object.entries(state.sandboxState).filter(([k, v]) => k !== "channels" && isScalar(v)));
    return panel.replaceChildren(genericView(scalars));
  }
  panel.replaceChildren(genericView(state.sandboxState[state.sideTab]));
}

function scenarioPanel() {
  const sc = state.scenarios;
  if (!sc.available) return h("p", { class: "muted" }, "No simulated system is running, so there are no scenarios to start.");
  return h(
    "div",
    { class: "scenarios" },
    h("p", {}, "Active scenario: ", h("strong", {}, sc.active ?? "none")),
    ...sc.scenarios.map((s) =>
      h(
        "div",
        { class: "scenario" },
        h("div", { class: "scenario-name" }, s.name),
        h("div", { class: "muted" }, s.description),
        sc.active === s.name
          ? h("button", { type: "button", class: "btn btn-danger btn-small", onclick: () => scenario(s.name, "DELETE") }, "Stop")
          : h("button", { type: "button", class: "btn btn-primary btn-small", onclick: () => scenario(s.name, "POST") }, "Start"),
      ),
    ),
  );
}

// ---- topology ------------------------------------------------------------------------------

async function loadTopology() {
  const [found, truth] = await Promise.all([fetch("/sandbox/discovered-topology").then((r) => r.json()), fetch("/sandbox/topology").then((r) => (r.ok ? r.json() : null))]);
  if (!found || !Array.isArray(found.edges)) return h("p", { class: "muted" }, `The bot's topology is not available: ${found?.detail ?? found?.error ?? "no answer"}.`);
  return topologyView(found, truth && Array.isArray(truth.edges) ? truth : null);
}

/** Rows by call depth (callers above what they call), each row in name order. */
function layers(services, edges) {
  const depth = new Map(services.map((s) => [s, 0]));
  for (let pass = 0; pass < services.length; pass++) {
    let moved = false;
    for (const e of edges) {
      const d = (depth.get(e.from) ?? 0) + 1;
      if (d > (depth.get(e.to) ?? 0) && d < services.length) {
        depth.set(e.to, d);
        moved = true;
      }
    }
    if (!moved) break;
  }
  const rows = [];
  for (const s of [...services].sort()) (rows[depth.get(s) ?? 0] ??= []).push(s);
  return rows.filter(Boolean);
}

const SVG = "http://www.w3.org/2000/svg";
function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  for (const c of children) el.append(c);
  return el;
}

/** The discovered graph as an SVG: edges the simulation also has, extra ones, and missing ones. */
function topologyView(found, truth) {
  const key = (e) => `${e.from} -> ${e.to}`;
  const truthKeys = new Set((truth?.edges ?? []).map(key));
  const foundKeys = new Set(found.edges.map(key));
  const missing = (truth?.edges ?? []).filter((e) => !foundKeys.has(key(e)));
  const services = [...new Set([...found.services, ...missing.flatMap((e) => [e.from, e.to])])];
  const rows = layers(services, [...found.edges, ...missing]);
  // Top to bottom: callers above what they call.
  const W = 112;
  const NH = 26;
  const GAP = 14;
  const VGAP = 56;
  const width = Math.max(...rows.map((r) => r.length)) * (W + GAP) + GAP;
  const height = rows.length * (NH + VGAP) - VGAP + 2 * GAP;
  const pos = new Map();
  rows.forEach((row, i) => row.forEach((s, j) => pos.set(s, { x: GAP + j * (W + GAP) + ((width - GAP - row.length * (W + GAP)) >> 1), y: GAP + i * (NH + VGAP) })));
  const marker = (id, color) => svg("marker", { id, viewBox: "0 0 10 10", refX: 10, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" }, svg("path", { d: "M 0 0 L 10 5 L 0 10 z", fill: color }));
  const root = svg("svg", { class: "topology-graph", viewBox: `0 0 ${width} ${height}`, width, height, role: "img", "aria-label": `Service graph: ${found.services.length} services, ${found.edges.length} edges` }, svg("defs", {}, marker("arrow-ok", "#1d9bd1"), marker("arrow-extra", "#e01e5a"), marker("arrow-missing", "#9a9a9a")));
  const line = (e, kind) => {
    const a = pos.get(e.from);
    const b = pos.get(e.to);
    if (!a || !b) return;
    const down = b.y > a.y;
    const x1 = a.x + W / 2;
    const x2 = b.x + W / 2;
    const y1 = down ? a.y + NH : a.y + NH / 2;
    const y2 = down ? b.y : b.y + NH / 2;
    const bend = down ? (y1 + y2) / 2 : y1 - VGAP / 2;
    const path = svg("path", { class: `edge edge-${kind}`, d: `M ${x1} ${y1} C ${x1} ${bend}, ${x2} ${bend}, ${x2} ${y2}`, "marker-end": `url(#arrow-${kind})`, "data-edge": key(e) });
    path.append(svg("title", {}, `${key(e)}${e.sources ? ` (${kind === "missing" ? "not discovered" : e.sources.join(", ")})` : ""}`));
    root.append(path);
  };
  for (const e of found.edges) line(e, !truth || truthKeys.has(key(e)) ? "ok" : "extra");
  for (const e of missing) line(e, "missing");
  for (const [s, p] of pos) {
    const detail = (found.details ?? []).find((d) => d.name === s);
    root.append(svg("g", { class: "node", "data-service": s }, svg("rect", { x: p.x, y: p.y, width: W, height: NH, rx: 6 }), svg("text", { x: p.x + W / 2, y: p.y + NH / 2 + 4, "text-anchor": "middle" }, s), svg("title", {}, `${s}${detail ? ` — ${detail.sources.join(", ")}` : ""}`)));
  }
  const hit = found.edges.filter((e) => truthKeys.has(key(e))).length;
  const score = truth ? ` · against the simulation's true graph: precision ${(found.edges.length ? hit / found.edges.length : 0).toFixed(2)}, recall ${(truth.edges.length ? hit / truth.edges.length : 0).toFixed(2)}` : "";
  const bySource = {};
  for (const e of found.edges) for (const src of e.sources) bySource[src] = (bySource[src] ?? 0) + 1;
  return h(
    "div",
    { class: "topology" },
    h("p", { class: "topology-summary" }, `Discovered by the bot: ${found.services.length} services, ${found.edges.length} edges${score}.`),
    h("p", { class: "muted" }, `Edges per source: ${Object.entries(bySource).map(([k, n]) => `${k} ${n}`).join(", ") || "none"}${found.discovery?.at ? ` · last discovery ${found.discovery.at}` : ""}`),
    h("ul", { class: "topology-legend" }, h("li", { class: "ok" }, "discovered"), truth ? h("li", { class: "extra" }, `discovered, not in the simulation (${found.edges.length - hit})`) : "", truth ? h("li", { class: "missing" }, `in the simulation, not discovered (${missing.length})`) : ""),
    h("div", { class: "topology-scroll" }, root),
  );
}

async function scenario(name, method) {
  const res = await fetch(`/sandbox/scenarios/${encodeURIComponent(name)}`, { method });
  const json = await res.json().catch(() => ({}));
  if (!res.ok) toast(json.detail ?? json.error ?? String(res.status));
  await refreshSide();
}

/** Any JSON value as something readable: arrays of objects become tables. */
function genericView(v) {
  if (v === null || v === undefined) return h("p", { class: "muted" }, "Nothing here.");
  if (Array.isArray(v)) {
    if (!v.length) return h("p", { class: "muted" }, "None.");
    if (v.every((x) => x && typeof x === "object" && !Array.isArray(x))) {
      const cols = [...new Set(v.flatMap((x) => Object.keys(x)))].slice(0, 12);
      // Wide records (Jira issues, PagerDuty incidents) read as cards in a narrow panel, not a squashed table.
      if (cols.length > 4) return h("div", { class: "records" }, v.map(recordCard));
      return h(
        "div",
        { class: "table-wrap" },
        h("table", { class: "data-table" }, h("thead", {}, h("tr", {}, cols.map((c) => h("th", { scope: "col" }, c)))), h("tbody", {}, v.map((row) => h("tr", {}, cols.map((c) => h("td", {}, cell(row[c])))))))
      );
    }
    return h("ul", {}, v.map((x) => h("li", {}, cell(x))));
  }
  if (typeof v === "object") return h("dl", { class: "kv" }, Object.entries(v).flatMap(([k, x]) => [h("dt", {}, k), h("dd", {}, typeof x === "object" && x !== null ? genericView(x) : cell(x))]));
  return h("p", {}, cell(v));
}

/** One record as a card: its name (linked when it has a url) and title, then its other fields. */
function recordCard(row) {
  const nameKey = ["key", "name", "number", "id"].find((k) => row[k] !== undefined && row[k] !== null);
  const titleKey = ["summary", "title", "description"].find((k) => typeof row[k] === "string");
  const name = nameKey ? String(nameKey === "number" ? `#${row[nameKey]}` : row[nameKey]) : "";
  const head = h("div", { class: "record-head" }, row.url ? h("a", { href: row.url, target: "_blank", rel: "noopener" }, name) : h("strong", {}, name), titleKey ? ` ${row[titleKey]}` : "");
  const rest = Object.entries(row).filter(([k, x]) => k !== nameKey && k !== titleKey && k !== "url" && x !== null && x !== undefined && !(Array.isArray(x) && !x.length));
  return h("div", { class: "record" }, head, h("dl", { class: "record-fields" }, rest.flatMap(([k, x]) => [h("dt", {}, k), h("dd", {}, cell(Array.isArray(x) && x.every((y) => typeof y !== "object") ? x.join(", ") : x))])));
}

function cell(x) {
  if (x === null || x === undefined) return "";
  if (typeof x === "object") {
    const s = JSON.stringify(x);
    return s.length > 120 ? `${s.slice(0, 117)}…` : s;
  }
  const s = String(x);
  return /^https?:\/\//.test(s) ? h("a", { href: s, target: "_blank", rel: "noopener" }, s) : s;
}

// ---- live updates ----------------------------------------------------------------------------

const debounced = new Map();
function soon(key, fn, ms = 80) {
  clearTimeout(debounced.get(key));
  debounced.set(key, setTimeout(fn, ms));
}

function connect() {
  const es = new EventSource("/sandbox/events");
  es.addEventListener("change", (e) => {
    const c = JSON.parse(e.data);
    if (c.kind === "assistant_thread") {
      // The app's status under a thread in a channel ("aisre is looking into it…"), or the side panel's.
      if (state.thread && c.channel === state.thread.channel && c.thread_ts === state.thread.ts) soon("thread", refreshThread);
      if (c.user === state.me) soon("assistant", refreshAssistant);
      return;
    }
    if (state.assistant.thread && c.channel === state.assistant.thread.channel) soon("assistant", refreshAssistant);
    if (c.kind === "view") {
      if (c.user === state.me) soon("ws", loadWorkspace);
      return;
    }
    if (c.kind === "channel" || c.kind === "member_joined") return soon("ws", async () => (await loadWorkspace(), openChannelIfNeeded()));
    if (c.visible_to && c.visible_to !== state.me) return;
    if (c.channel === state.channel) soon("messages", refreshMessages);
    if (state.thread && c.channel === state.thread.channel && (c.ts === state.thread.ts || c.thread_ts === state.thread.ts)) soon("thread", refreshThread);
    soon("side", refreshSide, 500);
  });
  es.addEventListener("scenario", () => soon("side", refreshSide, 50));
  es.addEventListener("open", () => document.body.classList.remove("offline"));
  es.addEventListener("error", () => document.body.classList.add("offline"));
}

function openChannelIfNeeded() {
  if (state.view === "channel" && state.channel && !state.ws.channels.some((c) => c.id === state.channel)) return openChannel(state.ws.channels[0].id);
}

// ---- start -----------------------------------------------------------------------------------

async function start() {
  await loadWorkspace();
  const m = /^\/archives\/([A-Z0-9_]+)(?:\/p(\d{10})(\d{6}))?/.exec(location.pathname);
  const fromUrl = m && state.ws.channels.find((c) => c.id === m[1]);
  const wanted = fromUrl?.id ?? state.ws.channels.find((c) => c.name === "incidents")?.id ?? state.ws.channels[0]?.id;
  if (wanted) await openChannel(wanted);
  const thread = new URLSearchParams(location.search).get("thread_ts");
  if (fromUrl && (thread || m[2])) await openThread(fromUrl.id, thread ?? `${m[2]}.${m[3]}`).catch(() => {});

  $("#user-switcher").addEventListener("change", async (e) => {
    state.me = e.target.value;
    localStorage.setItem("aisre.sandbox.user", state.me);
    state.hiddenEphemeral.clear();
    // The open thread stays open for the new user (as the same link would in Slack), unless they cannot see it.
    const open = state.thread && { channel: state.thread.channel, ts: state.thread.ts };
    closeThread();
    closeAssistant();
    state.assistant.thread = null;
    await loadWorkspace();
    if (state.view === "channel") await openChannel(state.channel);
    else openHome();
    if (open && state.view === "channel") await openThread(open.channel, open.ts).catch(() => {});
  });
  $("#close-thread").addEventListener("click", closeThread);
  $("#open-assistant").addEventListener("click", () => (state.assistant.open ? closeAssistant() : openAssistant()));
  $("#close-assistant").addEventListener("click", closeAssistant);
  $("#assistant-new").addEventListener("click", () => newAssistantThread());
  $("#assistant-composer").addEventListener("submit", (e) => {
    e.preventDefault();
    const input = $("#assistant-input");
    const text = input.value;
    input.value = "";
    void askAssistant(text);
  });
  $("#assistant-input").addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey) {
      e.preventDefault();
      $("#assistant-composer").requestSubmit();
    }
  });
  $("#toggle-side").addEventListener("click", () => {
    const side = $("#side");
    side.hidden = !side.hidden;
    $("#toggle-side").setAttribute("aria-expanded", String(!side.hidden));
    document.body.classList.toggle("side-hidden", side.hidden);
  });
  document.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && state.thread && !document.querySelector("dialog[open]")) closeThread();
  });
  wireComposer($("#composer"), $("#composer-input"), () => undefined);
  wireComposer($("#thread-composer"), $("#thread-input"), () => state.thread?.ts);
  connect();
  await refreshSide();
  setInterval(() => {
    if (!$("#side").hidden) void refreshSide();
  }, 5000);
  $("#composer-input").focus();
  document.body.dataset.ready = "1";
}

void start().catch((e) => {
  document.body.prepend(h("div", { class: "fatal", role: "alert" }, `The sandbox page could not start: ${escapeHtml(String(e))}`));
});
