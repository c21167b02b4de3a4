import type { SlackCore } from "../core.ts";
import { SlackApiError } from "../errors.ts";
import { LIMITS } from "../limits.ts";
import { jsonArg } from "../message-content.ts";
import { apiView } from "../message-shape.ts";
import type { Json } from "../types.ts";
import { describeIssues, normalizeBlocks, validateView } from "../validate-blocks.ts";
import { str } from "./args.ts";
import type { ApiMethod } from "./router.ts";

/** The `view` argument, validated as Slack does (`invalid_arguments` with json-pointer messages). */
function viewArg(args: Record<string, unknown>, expectType?: "modal" | "home"): Json {
  const raw = args.view;
  if (raw === undefined || raw === "") throw new SlackApiError("invalid_arguments", { messages: ["[ERROR] missing required field: view"] });
  if (typeof raw === "string" && Buffer.byteLength(raw) > 250_000) throw new SlackApiError("view_too_large");
  const view = jsonArg(raw, "invalid_arguments");
  const issues = validateView(view);
  if (!issues.length && expectType && (view as Json).type !== expectType) issues.push({ pointer: "/view/type", message: `must be "${expectType}"` });
  if (issues.length) {
    const d = describeIssues(issues);
    throw new SlackApiError("invalid_arguments", { messages: ["[ERROR] failed to match all allowed schemas [json-pointer:/view]", ...d.messages] });
  }
  const v = view as Json;
  return { ...v, blocks: normalizeBlocks(v.blocks as Json[]) };
}

function exchange(core: SlackCore, args: Record<string, unknown>) {
  const t = core.triggers.exchange(args.trigger_id);
  if ("error" in t) throw new SlackApiError(t.error);
  return t;
}

const open: ApiMethod = ({ core, args, caller }) => {
  const view = viewArg(args, "modal");
  const t = exchange(core, args);
  const v = core.ws.openModal(t.user, view, caller.teamId ? { team: caller.teamId } : {});
  return { view: apiView(core.ws, v) };
};

const push: ApiMethod = ({ core, args, caller }) => {
  const view = viewArg(args, "modal");
  const t = exchange(core, args);
  const stack = core.ws.modalStack(t.user);
  if (!stack.length) throw new SlackApiError("not_found");
  if (stack.length >= LIMITS.viewStack) throw new SlackApiError("push_limit_reached");
  const v = core.ws.openModal(t.user, view, { push: true, ...(caller.teamId ? { team: caller.teamId } : {}) });
  return { view: apiView(core.ws, v) };
};

const update: ApiMethod = ({ core, args }) => {
  const viewId = str(args, "view_id");
  const externalId = str(args, "external_id");
  if (!viewId && !externalId) throw new SlackApiError("invalid_arguments", { messages: ["[ERROR] missing required field: view_id"] });
  const existing = viewId ? core.ws.view(viewId) : core.ws.viewByExternalId(externalId!);
  if (!existing || (existing.type === "modal" && !existing.open)) throw new SlackApiError("not_found");
  const view = viewArg(args, existing.type);
  const hash = str(args, "hash");
  if (hash && hash !== existing.hash) throw new SlackApiError("hash_conflict");
  const v = core.ws.updateView(existing, view);
  return { view: apiView(core.ws, v) };
};

const publish: ApiMethod = ({ core, args, caller }) => {
  const userId = str(args, "user_id") ?? "";
  if (!userId) throw new SlackApiError("invalid_arguments", { messages: ["[ERROR] missing required field: user_id"] });
  const view = viewArg(args, "home");
  // "Error returned if a home view is published but the Home tab isn't enabled for the app."
  if (!core.homeTabEnabled) throw new SlackApiError("not_enabled");
  if (!core.ws.user(userId)) throw new SlackApiError("user_not_found");
  const hash = str(args, "hash");
  const existing = core.ws.home(userId);
  if (hash && existing && hash !== existing.hash) throw new SlackApiError("hash_conflict");
  const v = core.ws.publishHome(userId, view, caller.teamId);
  return { view: apiView(core.ws, v) };
};

export const viewMethods: Record<string, ApiMethod> = {
  "views.open": open,
  "views.push": push,
  "views.update": update,
  "views.publish": publish,
};
