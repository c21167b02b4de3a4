import { SlackApiError } from "../errors.ts";
import type { SandboxChannel } from "../types.ts";
import type { SlackWorkspace } from "../workspace.ts";

export type Args = Record<string, unknown>;

export function str(args: Args, name: string): string | undefined {
  const v = args[name];
  if (v === undefined || v === null) return undefined;
  return typeof v === "string" ? v : typeof v === "number" || typeof v === "boolean" ? String(v) : JSON.stringify(v);
}

export function bool(args: Args, name: string): boolean {
  const v = args[name];
  return v === true || v === "true" || v === "1" || v === 1;
}

export function int(args: Args, name: string, fallback: number): number {
  const v = Number(args[name]);
  return Number.isFinite(v) && args[name] !== undefined && args[name] !== "" ? Math.floor(v) : fallback;
}

/** A comma-separated or JSON array argument. */
export function list(args: Args, name: string): string[] {
  const v = args[name];
  if (Array.isArray(v)) return v.map(String);
  if (typeof v !== "string" || !v.trim()) return [];
  if (v.trim().startsWith("[")) {
    try {
      return (JSON.parse(v) as unknown[]).map(String);
    } catch {
      throw new SlackApiError("invalid_arguments");
    }
  }
  return v
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

/** The channel a method names, visible to the caller: else `channel_not_found`. */
export function channelArg(ws: SlackWorkspace, args: Args, caller: string, name = "channel"): SandboxChannel {
  const ref = str(args, name);
  const ch = ref ? ws.channel(ref) : undefined;
  if (!ch || (ch.isPrivate && !ch.members.has(caller))) throw new SlackApiError("channel_not_found");
  return ch;
}

export function requireMember(ch: SandboxChannel, caller: string): void {
  if (!ch.members.has(caller)) throw new SlackApiError("not_in_channel");
}

/** Opaque pagination cursors, like Slack's base64 `dGVhbTpD…`. */
export function encodeCursor(offset: number): string {
  return Buffer.from(`offset:${offset}`).toString("base64");
}

export function decodeCursor(cursor: string | undefined): number {
  if (!cursor) return 0;
  const m = /^offset:(\d+)$/.exec(Buffer.from(cursor, "base64").toString("utf8"));
  if (!m) throw new SlackApiError("invalid_cursor");
  return Number(m[1]);
}

export function page<T>(items: T[], args: Args, options: { defaultLimit: number; maxLimit: number }): { items: T[]; nextCursor: string } {
  const limit = Math.min(Math.max(int(args, "limit", options.defaultLimit) || options.defaultLimit, 1), options.maxLimit);
  const offset = decodeCursor(str(args, "cursor"));
  const slice = items.slice(offset, offset + limit);
  return { items: slice, nextCursor: offset + limit < items.length ? encodeCursor(offset + limit) : "" };
}
