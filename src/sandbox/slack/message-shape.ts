import type { Json, SandboxChannel, SandboxFile, SandboxMessage, SandboxUser, SandboxView } from "./types.ts";
import type { SlackWorkspace } from "./workspace.ts";

/** Where files and permalinks point: the sandbox's own base URL. */
export interface UrlBase {
  baseUrl(): string;
}

/** A message as Slack's Web API and events show it. */
export function apiMessage(ws: SlackWorkspace, m: SandboxMessage, urls: UrlBase): Json {
  const out: Json = { type: "message" };
  if (m.subtype) out.subtype = m.subtype;
  out.text = m.text;
  out.user = m.user;
  out.ts = m.ts;
  out.team = m.team ?? ws.team.id;
  if (m.botId) {
    out.bot_id = m.botId;
    out.app_id = m.appId;
    out.bot_profile = botProfile(ws);
  }
  if (m.clientMsgId) out.client_msg_id = m.clientMsgId;
  if (m.blocks) out.blocks = m.blocks;
  if (m.attachments) out.attachments = m.attachments;
  if (m.metadata) out.metadata = m.metadata;
  if (m.files?.length) {
    out.files = m.files
      .map((id) => ws.file(id))
      .filter((f): f is SandboxFile => !!f)
      .map((f) => apiFile(ws, f, urls));
    out.upload = true;
    out.display_as_bot = false;
  }
  if (m.edited) out.edited = m.edited;
  if (m.assistantThread) out.assistant_app_thread = { title: m.assistantThread.title, title_blocks: [], artifacts: [], context: m.assistantThread.context };
  if (m.unfurls && Object.keys(m.unfurls).length) {
    // App unfurls come back as attachments marked with the URL they preview.
    const unfurled = Object.entries(m.unfurls).map(([url, u], i) => ({ id: (m.attachments?.length ?? 0) + i + 1, ...u, from_url: url, original_url: url, app_unfurl_url: url, is_app_unfurl: true, app_id: ws.appId }));
    out.attachments = [...((out.attachments as Json[] | undefined) ?? []), ...unfurled];
  }
  if (m.threadTs && m.threadTs !== m.ts) {
    out.thread_ts = m.threadTs;
    const parent = ws.message(m.channel, m.threadTs);
    if (parent) out.parent_user_id = parent.user;
  } else if (!m.visibleTo) {
    const t = ws.threadSummary(m);
    if (t.replyCount > 0) {
      out.thread_ts = m.ts;
      out.reply_count = t.replyCount;
      out.reply_users_count = t.replyUsers.length;
      out.latest_reply = t.latestReply;
      out.reply_users = t.replyUsers.slice(0, 5);
      out.is_locked = false;
      out.subscribed = false;
    }
  }
  if (m.reactions.length) out.reactions = m.reactions.map((r) => ({ name: r.name, users: [...r.users], count: r.users.length }));
  if (m.pinned) out.pinned_to = [m.channel];
  return out;
}

/** The control API's and page's view of a message: Slack's shape plus where it is and who sees it. */
export function visibleMessage(ws: SlackWorkspace, m: SandboxMessage, urls: UrlBase): Json {
  const out = apiMessage(ws, m, urls);
  out.channel = m.channel;
  if (m.visibleTo) {
    out.is_ephemeral = true;
    if (m.threadTs) out.thread_ts = m.threadTs;
  }
  return out;
}

export function botProfile(ws: SlackWorkspace): Json {
  return {
    id: ws.botId,
    deleted: false,
    name: ws.botName,
    updated: 1700000000,
    app_id: ws.appId,
    icons: { image_36: "", image_48: "", image_72: "" },
    team_id: ws.team.id,
  };
}

export function apiUser(ws: SlackWorkspace, u: SandboxUser): Json {
  const out: Json = {
    id: u.id,
    team_id: ws.team.id,
    name: u.name,
    deleted: false,
    color: u.color,
    real_name: u.realName,
    tz: u.tz,
    tz_label: u.tz,
    tz_offset: 0,
    profile: {
      title: u.title,
      phone: "",
      skype: "",
      real_name: u.realName,
      real_name_normalized: u.realName,
      display_name: u.isBot ? u.realName : u.name,
      display_name_normalized: u.isBot ? u.realName : u.name,
      status_text: "",
      status_emoji: "",
      avatar_hash: "",
      email: u.isBot ? undefined : u.email,
      image_24: "",
      image_48: "",
      image_72: "",
      team: ws.team.id,
      ...(u.botId ? { bot_id: u.botId, api_app_id: u.appId, always_active: true } : {}),
    },
    is_admin: u.isAdmin,
    is_owner: false,
    is_primary_owner: false,
    is_restricted: false,
    is_ultra_restricted: false,
    is_bot: u.isBot && u.id !== "USLACKBOT",
    is_app_user: false,
    updated: 1700000000,
    is_email_confirmed: !u.isBot,
  };
  return out;
}

export function apiChannel(ws: SlackWorkspace, c: SandboxChannel, forUser?: string): Json {
  return {
    id: c.id,
    name: c.name,
    is_channel: !c.isPrivate,
    is_group: false,
    is_im: !!c.isIm,
    ...(c.isIm ? { user: c.imUser } : {}),
    is_mpim: false,
    is_private: c.isPrivate,
    created: c.created,
    is_archived: c.isArchived,
    is_general: false,
    unlinked: 0,
    name_normalized: c.name,
    is_shared: false,
    is_org_shared: false,
    is_pending_ext_shared: false,
    pending_shared: [],
    context_team_id: c.team ?? ws.team.id,
    updated: c.created * 1000,
    parent_conversation: null,
    creator: c.creator,
    is_ext_shared: false,
    shared_team_ids: [c.team ?? ws.team.id],
    pending_connected_team_ids: [],
    is_member: forUser ? c.members.has(forUser) : false,
    topic: c.topic,
    purpose: c.purpose,
    previous_names: [],
    num_members: c.members.size,
  };
}

export function apiFile(ws: SlackWorkspace, f: SandboxFile, urls: UrlBase): Json {
  const base = urls.baseUrl();
  const priv = `${base}/files-pri/${ws.team.id}-${f.id}/${encodeURIComponent(f.name)}`;
  const out: Json = {
    id: f.id,
    created: f.created,
    timestamp: f.created,
    name: f.name,
    title: f.title,
    mimetype: f.mimetype,
    filetype: f.filetype,
    pretty_type: f.filetype.toUpperCase(),
    user: f.user,
    user_team: ws.team.id,
    editable: false,
    size: f.size,
    mode: "hosted",
    is_external: false,
    external_type: "",
    is_public: f.channels.length > 0,
    public_url_shared: false,
    display_as_bot: false,
    username: "",
    url_private: priv,
    url_private_download: `${base}/files-pri/${ws.team.id}-${f.id}/download/${encodeURIComponent(f.name)}`,
    permalink: `${base}/files/${f.user}/${f.id}/${encodeURIComponent(f.name)}`,
    permalink_public: `${base}/sandbox/files/${f.id}`,
    channels: f.channels,
    groups: [],
    ims: [],
    comments_count: 0,
  };
  if (f.altText) out.alt_txt = f.altText;
  if (f.mimetype.startsWith("image/")) {
    for (const size of [64, 80, 160, 360, 480, 720]) out[`thumb_${size}`] = priv;
    out.original_w = 0;
    out.original_h = 0;
  }
  return out;
}

/** A view as views.* return it and interaction payloads carry it. */
export function apiView(ws: SlackWorkspace, v: SandboxView): Json {
  const src = v.view;
  const out: Json = {
    id: v.id,
    team_id: v.team ?? ws.team.id,
    type: v.type,
    blocks: src.blocks ?? [],
    private_metadata: (src.private_metadata as string) ?? "",
    callback_id: (src.callback_id as string) ?? "",
    state: v.state,
    hash: v.hash,
    title: src.title ?? { type: "plain_text", text: "", emoji: true },
    clear_on_close: src.clear_on_close === true,
    notify_on_close: src.notify_on_close === true,
    close: src.close ?? null,
    submit: src.submit ?? null,
    previous_view_id: v.previousViewId,
    root_view_id: v.rootViewId,
    app_id: ws.appId,
    external_id: v.externalId,
    app_installed_team_id: v.team ?? ws.team.id,
    bot_id: ws.botId,
  };
  if (v.type === "home") {
    delete out.title;
    delete out.close;
    delete out.submit;
  }
  return out;
}

/** The users a message mentions with `<@U…>`. */
export function mentionedUsers(text: string): string[] {
  return [...text.matchAll(/<@([UW][A-Z0-9_]+)(?:\|[^>]*)?>/g)].flatMap(([, id]) => (id ? [id] : []));
}
