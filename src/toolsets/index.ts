import type { KnowledgeBase } from "../knowledge/knowledge-base.ts";
import type { ChangeEventRepo } from "../store/repos/change-events.ts";
import type { IncidentHistoryRepo } from "../store/repos/incident-history.ts";
import { changesToolset } from "./changes.ts";
import { knowledgeToolset, oncallToolset } from "./knowledge.ts";
import { kubernetesToolset, type KubernetesToolsetOptions } from "./kubernetes.ts";
import { metricsToolset, type MetricsToolsetOptions } from "./metrics.ts";
import type { ToolsetPorts } from "./ports.ts";
import { failed, toolSpecs, type Tool, type ToolResult, type Toolset } from "./types.ts";
import { systemClock, type Clock } from "../domain/clock.ts";

export type { ToolResult, Toolset, Tool } from "./types.ts";
export type { ToolsetPorts } from "./ports.ts";

export interface ToolsetsDeps {
  /** Webhook deploys and config changes (the store's change events). */
  changes: Pick<ChangeEventRepo, "between">;
  /** Resolved incidents, for similar past incidents. */
  history: Pick<IncidentHistoryRepo, "resolved">;
  knowledge: Pick<KnowledgeBase, "search" | "loadedRunbooks">;
  ports?: ToolsetPorts;
  /** The observed system's clock when Prometheus cannot tell it; default the host's. */
  clock: Clock;
  kubernetes?: KubernetesToolsetOptions;
  metrics?: MetricsToolsetOptions;
  /** Why an integration is off, when config knows better than "not connected". */
  disabledReasons?: Partial<Record<"kubernetes" | "metrics" | "pagerduty", string>>;
}

/**
 * The read-only toolsets the diagnosis and the assistant share, over the vendor ports the
 * composition root built. A tool of a toolset whose integration is missing returns `disabled` with
 * the reason.
 */
export class Toolsets {
  readonly ports: ToolsetPorts;
  readonly kubernetes: ReturnType<typeof kubernetesToolset>;
  readonly metrics: ReturnType<typeof metricsToolset>;
  readonly changes: ReturnType<typeof changesToolset>;
  readonly knowledge: ReturnType<typeof knowledgeToolset>;
  readonly oncall: ReturnType<typeof oncallToolset>;

  constructor(deps: ToolsetsDeps) {
    this.ports = deps.ports ?? {};
    const clock = deps.clock;
    const now = () => clock.now();
    this.kubernetes = kubernetesToolset(this.ports, { ...deps.kubernetes, ...(deps.disabledReasons?.kubernetes ? { disabledReason: deps.disabledReasons.kubernetes } : {}), now });
    this.metrics = metricsToolset(this.ports, { ...deps.metrics, ...(deps.disabledReasons?.metrics ? { disabledReason: deps.disabledReasons.metrics } : {}), now });
    this.changes = changesToolset({ changes: deps.changes, ports: this.ports, now, deploymentNamespace: (s) => this.kubernetes.deploymentNamespace(s) });
    this.knowledge = knowledgeToolset(deps.knowledge, deps.history);
    this.oncall = oncallToolset(this.ports, deps.disabledReasons?.pagerduty ? { disabledReason: deps.disabledReasons.pagerduty } : {});
  }

  all(): Toolset[] {
    return [this.changes, this.metrics, this.kubernetes, this.knowledge, this.oncall];
  }

  tool(name: string): Tool<unknown, unknown> | undefined {
    for (const ts of this.all()) for (const t of ts.tools) if (t.name === name) return t as Tool<unknown, unknown>;
    return undefined;
  }

  /** Calls a tool by name (an LLM's function call); unknown names are an `error` result. */
  async call(name: string, args: unknown): Promise<ToolResult<unknown>> {
    const t = this.tool(name);
    if (!t)
      return failed(
        `no tool named ${name} (known: ${this.all()
          .flatMap((ts) => ts.tools.map((x) => x.name))
          .join(", ")})`,
      );
    return t.run(args);
  }

  /** Function-calling specs for every tool, with whether it is enabled. */
  specs(): ReturnType<typeof toolSpecs> {
    return toolSpecs(this.all());
  }

  /** Which toolsets are off, and why (for the diagnosis' gaps and `/aisre config`). */
  disabled(): Array<{ toolset: string; reason: string }> {
    return this.all().flatMap((ts) => {
      const a = ts.availability();
      return a.enabled ? [] : [{ toolset: ts.name, reason: a.reason }];
    });
  }
}
