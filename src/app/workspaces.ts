import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { z } from "zod";
import type { Routing } from "../incident/routing.ts";
import { channelRef, parseChannelRef } from "../integrations/slack/workspace-ref.ts";

const teamId = z.string().regex(/^T[A-Z0-9]{2,}$/, { error: "expected a Slack team id (T…)" });

/**
 * Per-workspace settings (AISRE_WORKSPACES_FILE) when the app is installed in several workspaces
 * through OAuth: each workspace's incident channel, which services' incidents it gets, who approves
 * remediations there and under which policy file. Without the file, one workspace and today's
 * settings (AISRE_INCIDENT_CHANNEL, AISRE_ROUTING_FILE, AISRE_POLICY_FILE).
 */
export const workspacesSchema = z.object({
  /** The workspace of incidents no workspace claims (and of calls that name none); default: the first install. */
  default: teamId.optional(),
  workspaces: z
    .record(
      teamId,
      z.object({
        /** Its incident channel (`#name` or an id); default AISRE_INCIDENT_CHANNEL. */
        channel: z.string().min(1).optional(),
        /** Incidents of these services go to this workspace's channel. */
        services: z.array(z.string().min(1)).default([]),
        /** Who may approve remediations of its incidents (user ids, group ids or @handles): replaces the policy's approvers. */
        approvers: z.array(z.string().min(1)).optional(),
        /** Its remediation policy (YAML, as AISRE_POLICY_FILE); default: AISRE_POLICY_FILE. */
        policy: z.string().min(1).optional(),
      }),
    )
    .default({}),
});

export type WorkspaceSettings = z.infer<typeof workspacesSchema>;

export function loadWorkspaces(file: string | undefined): WorkspaceSettings {
  if (!file) return workspacesSchema.parse({});
  const parsed = workspacesSchema.safeParse(parse(readFileSync(file, "utf8")) ?? {});
  if (!parsed.success) throw new Error(`${file}: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  return parsed.data;
}

/**
 * The routing with the workspaces' services on top (pure): a workspace's services go to its
 * channel, named with its team (`T…/#incidents`), ahead of the routing file's rules.
 */
export function routingWithWorkspaces(routing: Routing, ws: WorkspaceSettings, fallbackChannel: string): Routing {
  const services = { ...routing.services };
  for (const [team, w] of Object.entries(ws.workspaces)) for (const s of w.services) services[s] = channelRef(team, w.channel ?? fallbackChannel);
  return { ...routing, services };
}

/** The default incident channel, named with the default workspace when the file names one (pure). */
export function defaultChannelOf(ws: WorkspaceSettings, fallbackChannel: string): string {
  if (!ws.default) return fallbackChannel;
  return channelRef(ws.default, ws.workspaces[ws.default]?.channel ?? fallbackChannel);
}

/** The workspace an incident's channel reference names, if any (pure). */
export function workspaceOfChannel(channel: string | undefined): string | undefined {
  return channel ? parseChannelRef(channel).teamId : undefined;
}
