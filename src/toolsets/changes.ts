import { z } from "zod";
import type { ChangeEvent } from "../domain/alert.ts";
import type { K8sRevisionView, KubernetesReadPort, ToolsetPorts } from "./ports.ts";
import { defineTool, errorText, noData, ok, timeArg, type Tool, type Toolset } from "./types.ts";
import { plural } from "../text/words.ts";
import { utcTimeOfDay } from "../text/slack-markup.ts";
import type { ChangeEventRepo } from "../store/repos/change-events.ts";
import { systemClock } from "../domain/clock.ts";

/** A deploy, config change or rollback, from a webhook or from the cluster's rollout history. */
export interface ChangeRecord {
  service: string;
  /** ISO 8601 */
  at: string;
  kind: ChangeEvent["kind"];
  version?: string;
  previousVersion?: string;
  description?: string;
  author?: string;
  url?: string;
  /** "github", "argocd", … for webhooks; "kubernetes" for rollout history. */
  source: string;
  status?: string;
}

function tagOf(image: string | undefined): string | undefined {
  if (!image) return undefined;
  const at = image.indexOf("@");
  const ref = at >= 0 ? image.slice(0, at) : image;
  const i = ref.lastIndexOf(":");
  return i > ref.lastIndexOf("/") ? ref.slice(i + 1) : at >= 0 ? image.slice(at + 1, at + 20) : undefined;
}

/**
 * Rollout history → changes (pure): each revision after the first is a deploy when its images
 * differ from the revision before, else a pod-template change (config, env). A rollout restart
 * (only the restartedAt annotation moved) is left out: the same pods again, not a cause.
 */
export function changesFromRevisions(service: string, revisions: readonly K8sRevisionView[], from: number, to: number): ChangeRecord[] {
  const sorted = [...revisions].sort((a, b) => a.revision - b.revision);
  const out: ChangeRecord[] = [];
  for (const [i, r] of sorted.entries()) {
    const prev = sorted[i - 1];
    if (!prev) continue;
    const at = r.createdAt ? Date.parse(r.createdAt) : Number.NaN;
    if (!Number.isFinite(at) || at < from || at > to) continue;
    const same = r.images.join(",") === prev.images.join(",");
    // A rollout restart replaces the pods with the same spec (a remedy, often aisre's own): not a change that causes faults.
    if (same && r.restartedAt && r.restartedAt !== prev.restartedAt) continue;
    const version = tagOf(r.images[0]);
    const previousVersion = tagOf(prev.images[0]);
    out.push({
      service,
      at: new Date(at).toISOString(),
      kind: same ? "config" : "deploy",
      ...(version ? { version } : {}),
      ...(previousVersion && previousVersion !== version ? { previousVersion } : {}),
      description: r.changeCause ?? (same ? `pod template changed (revision ${r.revision}, same image)` : `revision ${r.revision}: ${r.images.join(", ")}`),
      source: "kubernetes",
    });
  }
  return out;
}

/** Webhook changes win over the same rollout seen in the cluster (same service, kind and version, 10 min apart at most). */
export function mergeChanges(webhook: readonly ChangeRecord[], cluster: readonly ChangeRecord[]): ChangeRecord[] {
  const out = [...webhook];
  for (const c of cluster) {
    const t = Date.parse(c.at);
    const dup = webhook.some((w) => w.service === c.service && (w.kind === c.kind || (c.kind === "deploy" && w.kind === "rollback")) && Math.abs(Date.parse(w.at) - t) <= 10 * 60_000 && (!w.version || !c.version || w.version.replace(/^v/, "") === c.version.replace(/^v/, "")));
    if (!dup) out.push(c);
  }
  return out.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
}

export interface ChangesToolsetDeps {
  /** Webhook changes from the store. */
  changes: Pick<ChangeEventRepo, "between">;
  ports: ToolsetPorts;
  /** The system clock (the simulation's in the sandbox); default: the wall clock. */
  now?: () => number;
  /** Namespace of a service's Deployment (from the Kubernetes toolset's listing). */
  deploymentNamespace?: (service: string) => Promise<string | undefined>;
}

/** Recent changes: webhook deploys and config changes from the store, plus Kubernetes rollout history. */
export function changesToolset(deps: ChangesToolsetDeps): Toolset & { t: { recentChanges: Tool<{ services?: string[]; since?: string | number; until?: string | number }, ChangeRecord[]> } } {
  const changes = deps.changes;
  const recentChanges = defineTool({
    name: "recent_changes",
    description: "Deploys, config changes and rollbacks of the given services (all when omitted) in a time range: from deploy webhooks (GitHub, Argo CD, …) and from Kubernetes rollout history.",
    parameters: z.object({
      services: z.array(z.string().min(1)).max(100).optional(),
      since: timeArg.optional().describe("default: 6 hours ago"),
      until: timeArg.optional().describe("default: now"),
    }),
    availability: () => ({ enabled: true }),
    run: async (a) => {
      const until = a.until ?? (deps.now ?? systemClock.now)();
      const since = a.since ?? until - 6 * 3_600_000;
      const rows = await changes.between(a.services, new Date(since).toISOString(), new Date(until).toISOString());
      const webhook: ChangeRecord[] = rows.map((r) => ({
        service: r.service,
        at: r.at,
        kind: r.kind,
        ...(r.version ? { version: r.version } : {}),
        ...(r.previousVersion ? { previousVersion: r.previousVersion } : {}),
        ...(r.description ? { description: r.description } : {}),
        ...(r.author ? { author: r.author } : {}),
        ...(r.url ? { url: r.url } : {}),
        ...(r.status ? { status: r.status } : {}),
        source: r.source,
      }));
      const notes: string[] = [];
      let cluster: ChangeRecord[] = [];
      const k8s: KubernetesReadPort | undefined = deps.ports.kubernetes;
      if (!k8s) notes.push("Kubernetes rollout history not read: Kubernetes is not connected");
      else if (a.services && deps.deploymentNamespace) {
        const results = await Promise.all(
          a.services.map(async (s) => {
            try {
              const ns = await deps.deploymentNamespace!(s);
              if (!ns) return [];
              return changesFromRevisions(s, await k8s.rolloutHistory(ns, s), since, until);
            } catch (e) {
              notes.push(`rollout history of ${s}: ${errorText(e)}`);
              return [];
            }
          }),
        );
        cluster = results.flat();
      } else if (!a.services) notes.push("rollout history is read per service: name the services to include it");
      const all = mergeChanges(webhook, cluster);
      if (all.length === 0) return noData(`no changes${a.services ? ` to ${a.services.join(", ")}` : ""} between ${utcTimeOfDay(since)} and ${utcTimeOfDay(until)}${notes.length ? ` (${notes.join("; ")})` : ""}`);
      return ok(
        all,
        `${plural(all.length, "change")}: ${all
          .slice(-5)
          .map((c) => `${c.kind} of ${c.service}${c.version ? ` ${c.version}` : ""}`)
          .join(", ")}`,
        notes,
      );
    },
  });
  return {
    name: "changes",
    description: "Recent deploys and configuration changes.",
    availability: () => ({ enabled: true }),
    tools: [recentChanges],
    t: { recentChanges },
  };
}
