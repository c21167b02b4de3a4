import { z } from "zod";
import { validateArgs } from "./args-schema.ts";
import type { PolicyFile, RunbookSpec } from "./policy-schema.ts";
import type { ChangeReport, DryRunOption, RemediationKubernetes, RunbookRunner, WorkloadRef, WorkloadState } from "./ports.ts";
import { transportOf } from "./runbook-runner.ts";
import type { ActionTarget, EffectiveLimits, Risk } from "./types.ts";

/**
 * The actions aisre can take: five Kubernetes actions built in, plus the runbook actions (HTTP hooks
 * and scripts) the policy declares. Each says how risky it is, whether it can be undone, what it
 * touches, what exactly it will change, and how to run it (for real or as a dry run).
 */

export interface ActionContext {
  kubernetes?: RemediationKubernetes;
  runbooks: RunbookRunner;
  sandboxUrl?: string;
  /** Namespace of targets that do not name one. */
  namespace: string;
}

/** What the confirm dialog and the card say before anything runs. */
export interface PlannedChange {
  change: string;
  where: string;
  rollback: string;
}

export interface Inspection {
  exists: boolean;
  detail: string;
  state?: WorkloadState;
}

export interface ActionDefinition {
  type: string;
  title: string;
  kind: "kubernetes" | "runbook";
  risk: Risk;
  reversible: boolean;
  blastRadius: string;
  /** What to watch after it (the verifier's checks on the target service) unless the recommendation says. */
  verify: string[];
  validate(params: Record<string, unknown>): { ok: true; params: Record<string, unknown> } | { ok: false; error: string };
  describe(target: ActionTarget, params: Record<string, unknown>, state?: WorkloadState): PlannedChange;
  /** Pre-check: does the target exist, and in what state. */
  inspect(ctx: ActionContext, target: ActionTarget): Promise<Inspection>;
  /** Blast-radius limits given the target's state; a reason when exceeded. */
  exceeds?(params: Record<string, unknown>, limits: EffectiveLimits, state?: WorkloadState): string | undefined;
  run(ctx: ActionContext, target: ActionTarget, params: Record<string, unknown>, o: DryRunOption): Promise<ChangeReport>;
}

const refOf = (ctx: ActionContext, t: ActionTarget): WorkloadRef => ({ namespace: t.namespace ?? ctx.namespace, kind: t.kind ?? "Deployment", name: t.service });
const whereOf = (t: ActionTarget, ns: string | undefined) => `${(t.kind ?? "Deployment").toLowerCase()}/${t.service} in namespace ${t.namespace ?? ns ?? "default"}${t.environment ? ` (${t.environment})` : ""}`;

function k8s(ctx: ActionContext): RemediationKubernetes {
  if (!ctx.kubernetes) throw new Error("Kubernetes is not connected (set KUBECONFIG or AISRE_K8S_IN_CLUSTER, or run the sandbox)");
  return ctx.kubernetes;
}

function parsed<T extends z.ZodType>(schema: T) {
  return (params: Record<string, unknown>) => {
    const r = schema.safeParse(params ?? {});
    return r.success ? { ok: true as const, params: r.data as Record<string, unknown> } : { ok: false as const, error: r.error.issues.map((i) => `${i.path.join(".") || "params"}: ${i.message}`).join("; ") };
  };
}

async function inspectWorkload(ctx: ActionContext, t: ActionTarget): Promise<Inspection> {
  const ref = refOf(ctx, t);
  if (ref.kind !== "Deployment") return { exists: false, detail: `${ref.kind.toLowerCase()}/${ref.name}: only Deployments are changed from Slack` };
  const state = await k8s(ctx).workload(ref);
  if (!state) return { exists: false, detail: `${ref.kind.toLowerCase()}/${ref.name} not found in ${ref.namespace}` };
  return { exists: true, state, detail: `${state.readyReplicas}/${state.replicas} ready${state.revision ? `, revision ${state.revision}` : ""}` };
}

const noParams = parsed(z.object({}).strict());

const share = (n: number, of: number) => (of <= 0 ? 1 : n / of);
const pct = (x: number) => `${Math.round(x * 100)}%`;

const rolloutRestart: ActionDefinition = {
  type: "rollout_restart",
  title: "Rollout restart",
  kind: "kubernetes",
  risk: "safe",
  reversible: true,
  blastRadius: "every pod of the workload, replaced one by one (rolling)",
  verify: ["memory", "error_ratio", "ready"],
  validate: noParams,
  describe: (t, _p, s) => ({
    change: `Sets the \`kubectl.kubernetes.io/restartedAt\` annotation on the pod template: ${s ? `all ${s.replicas} pods are` : "every pod is"} replaced, rolling, with the same spec.`,
    where: whereOf(t, undefined),
    rollback: "Nothing to undo: the spec is unchanged. If new pods fail to start, the rollout stops and the old pods keep serving.",
  }),
  inspect: inspectWorkload,
  run: (ctx, t, _p, o) => k8s(ctx).restart(refOf(ctx, t), o),
};

const scale: ActionDefinition = {
  type: "scale",
  title: "Scale",
  kind: "kubernetes",
  risk: "safe",
  reversible: true,
  blastRadius: "the workload's replica count (scale-down removes pods)",
  verify: ["latency_p99", "error_ratio", "ready"],
  validate: parsed(z.object({ replicas: z.number().int().min(0) }).strict()),
  describe: (t, p, s) => ({
    change: `Sets replicas${s ? ` from ${s.replicas}` : ""} to ${String(p.replicas)} through the scale subresource.`,
    where: whereOf(t, undefined),
    rollback: s ? `Scale back to ${s.replicas} replicas.` : "Scale back to the previous replica count.",
  }),
  inspect: inspectWorkload,
  exceeds(p, limits, s) {
    const n = Number(p.replicas);
    if (n > limits.maxReplicas) return `${n} replicas is above the limit of ${limits.maxReplicas}`;
    if (n < limits.minReplicas) return `${n} replicas is below the minimum of ${limits.minReplicas}`;
    if (s && n < s.replicas && share(s.replicas - n, s.replicas) > limits.maxPodShare) return `removing ${s.replicas - n} of ${s.replicas} pods (${pct(share(s.replicas - n, s.replicas))}) is above the limit of ${pct(limits.maxPodShare)}`;
    return undefined;
  },
  run: (ctx, t, p, o) => k8s(ctx).scale(refOf(ctx, t), Number(p.replicas), o),
};

const rollback: ActionDefinition = {
  type: "rollback",
  title: "Roll back",
  kind: "kubernetes",
  risk: "caution",
  reversible: true,
  blastRadius: "every pod of the workload, replaced one by one (rolling)",
  verify: ["error_ratio", "latency_p99", "ready"],
  validate: noParams,
  describe: (t, _p, s) => ({
    change: `Restores the previous ReplicaSet's pod template${s?.previousRevision ? ` (revision ${s.previousRevision}${s.previousVersion ? `, ${s.previousVersion}` : ""})` : ""}${s?.version ? `, replacing ${s.version}` : ""}.`,
    where: whereOf(t, undefined),
    rollback: s?.revision ? `Roll forward: redeploy revision ${s.revision}${s.version ? ` (${s.version})` : ""}.` : "Roll forward: redeploy the current version.",
  }),
  async inspect(ctx, t) {
    const i = await inspectWorkload(ctx, t);
    if (i.exists && i.state && i.state.previousRevision === undefined) return { exists: false, state: i.state, detail: `${t.service} has no previous revision to roll back to` };
    return i;
  },
  run: (ctx, t, _p, o) => k8s(ctx).rollback(refOf(ctx, t), o),
};

const pauseRollout: ActionDefinition = {
  type: "pause_rollout",
  title: "Pause rollout",
  kind: "kubernetes",
  risk: "safe",
  reversible: true,
  blastRadius: "no pods: the rollout stops where it is",
  verify: ["error_ratio", "ready"],
  validate: noParams,
  describe: (t) => ({
    change: "Sets `spec.paused: true`: the rollout in progress stops; running pods stay as they are.",
    where: whereOf(t, undefined),
    rollback: `Resume: \`kubectl rollout resume deployment/${t.service}\`.`,
  }),
  inspect: inspectWorkload,
  run: (ctx, t, _p, o) => k8s(ctx).pauseRollout(refOf(ctx, t), o),
};

const deletePod: ActionDefinition = {
  type: "delete_pod",
  title: "Delete pod",
  kind: "kubernetes",
  risk: "safe",
  reversible: true,
  blastRadius: "one pod (its controller recreates it)",
  verify: ["ready", "restarts", "error_ratio"],
  validate: noParams,
  describe: (t) => ({
    change: `Deletes pod \`${t.pod ?? "?"}\`; its controller starts a fresh one.`,
    where: whereOf(t, undefined),
    rollback: "Nothing to undo: the controller recreates the pod from the same spec.",
  }),
  async inspect(ctx, t) {
    if (!t.pod) return { exists: false, detail: "no pod named in the target" };
    const i = await inspectWorkload(ctx, t);
    if (!i.exists || !i.state) return i;
    const pod = i.state.pods.find((p) => p.name === t.pod);
    if (!pod) return { exists: false, state: i.state, detail: `pod ${t.pod} is gone (already replaced?)` };
    return { ...i, detail: `pod ${pod.name}: ${pod.phase}${pod.ready ? ", ready" : ", not ready"}, ${pod.restarts} restarts` };
  },
  exceeds(_p, limits, s) {
    if (!s) return undefined;
    const ready = Math.max(s.readyReplicas, 0);
    const part = share(1, Math.max(ready, 1));
    return part > limits.maxPodShare ? `deleting 1 of ${ready} ready pods (${pct(part)}) is above the limit of ${pct(limits.maxPodShare)}` : undefined;
  },
  run: (ctx, t, _p, o) => k8s(ctx).deletePod(t.namespace ?? ctx.namespace, t.pod!, o),
};

export const KUBERNETES_ACTIONS: readonly ActionDefinition[] = [rolloutRestart, scale, rollback, pauseRollout, deletePod];

/** A runbook declared in the policy as an action. */
export function runbookAction(type: string, spec: RunbookSpec): ActionDefinition {
  return {
    type,
    title: spec.title,
    kind: "runbook",
    risk: spec.risk,
    reversible: spec.reversible,
    blastRadius: spec.blastRadius,
    verify: spec.verify,
    validate: (params) => validateArgs(spec.args, params ?? {}),
    describe: (t, p) => {
      const args = Object.entries(p)
        .map(([k, v]) => `${k}=${String(v)}`)
        .join(", ");
      const how = spec.http ? `HTTP ${spec.http.method} hook` : `script ${spec.script!.command[0]}`;
      return {
        change: `${spec.description || spec.title} (runbook ${type}, ${how}${args ? `; ${args}` : ""}).`,
        where: `${t.service}${t.environment ? ` (${t.environment})` : ""}`,
        rollback: spec.rollback,
      };
    },
    inspect: async (_ctx, t) => ({ exists: true, detail: `runbook ${type} on ${t.service} (the hook checks its own target)` }),
    run: (ctx, _t, p, o) => ctx.runbooks.run(transportOf(spec, ctx.sandboxUrl), p, o),
  };
}

/** Every action the policy allows to exist: the built-ins and its runbooks. */
export function buildCatalog(policy: PolicyFile): Map<string, ActionDefinition> {
  const out = new Map<string, ActionDefinition>(KUBERNETES_ACTIONS.map((a) => [a.type, a]));
  for (const [name, spec] of Object.entries(policy.runbooks)) out.set(name, runbookAction(name, spec));
  return out;
}
