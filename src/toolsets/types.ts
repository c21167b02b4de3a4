import { z } from "zod";

/**
 * Read-only toolsets: what the diagnosis (and the assistant) may ask the outside world. A tool call
 * never throws: its result is a value saying what happened.
 *
 * - `ok`: data, with a one-line summary and notes on partial coverage ("rollout history: not
 *   connected");
 * - `no_data`: the source answered and had nothing (no pods for that service, no deploys);
 * - `error`: the source failed (timeout, 5xx, bad query), with the message;
 * - `disabled`: the integration is not configured, with the reason and how to enable it.
 */
export type ToolResult<T> = { status: "ok"; data: T; summary: string; notes?: string[] } | { status: "no_data"; reason: string } | { status: "error"; error: string } | { status: "disabled"; reason: string };

export type ToolStatus = ToolResult<unknown>["status"];

export const ok = <T>(data: T, summary: string, notes?: string[]): ToolResult<T> => ({ status: "ok", data, summary, ...(notes?.length ? { notes } : {}) });
export const noData = (reason: string): ToolResult<never> => ({ status: "no_data", reason });
export const failed = (error: unknown): ToolResult<never> => ({ status: "error", error: errorText(error) });
export const disabled = (reason: string): ToolResult<never> => ({ status: "disabled", reason });

export function errorText(e: unknown): string {
  if (e instanceof Error) return e.message || e.name;
  return typeof e === "string" ? e : JSON.stringify(e);
}

/** Whether a toolset can run, and if not, why (shown as an investigation gap). */
export type Availability = { enabled: true } | { enabled: false; reason: string };

/**
 * One tool: a name and description an LLM can pick from, a zod schema for its arguments (JSON
 * Schema through `toolSpecs`), and `run`, which validates and never throws.
 */
export interface Tool<A = unknown, T = unknown> {
  name: string;
  description: string;
  parameters: z.ZodType<A>;
  /** Validated arguments in, a result value out. */
  run(args: A): Promise<ToolResult<T>>;
}

export interface Toolset {
  name: string;
  description: string;
  availability(): Availability;
  tools: Array<Tool<any, any>>;
}

/** Bounded wait: a slow integration yields an `error` result instead of holding the diagnosis. */
export async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} did not answer within ${Math.round(ms / 1000)} s`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Builds a tool from a body that may throw: arguments are parsed with the schema (a bad argument is
 * an `error` result naming the field), the toolset's availability is checked first, the body runs
 * under a timeout, and a throw becomes an `error` result.
 */
export function defineTool<S extends z.ZodType, T>(spec: { name: string; description: string; parameters: S; availability: () => Availability; timeoutMs?: number; run: (args: z.output<S>) => Promise<ToolResult<T>> }): Tool<z.input<S>, T> {
  return {
    name: spec.name,
    description: spec.description,
    parameters: spec.parameters as unknown as z.ZodType<z.input<S>>,
    async run(raw: z.input<S>): Promise<ToolResult<T>> {
      const a = spec.availability();
      if (!a.enabled) return disabled(a.reason);
      const parsed = spec.parameters.safeParse(raw ?? {});
      if (!parsed.success) return failed(`invalid arguments for ${spec.name}: ${parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ")}`);
      try {
        return await withTimeout(spec.run(parsed.data), spec.timeoutMs ?? 15_000, spec.name);
      } catch (e) {
        return failed(e);
      }
    },
  };
}

/** A time argument: unix seconds, unix ms, or an ISO 8601 string; parsed to unix ms. */
export const timeArg = z.union([z.number(), z.string()]).transform((v, ctx) => {
  if (typeof v === "number") return v < 1e11 ? v * 1000 : v;
  const n = /^\d+(\.\d+)?$/.test(v) ? Number(v) : Date.parse(v);
  if (!Number.isFinite(n)) {
    ctx.addIssue({ code: "custom", message: `not a time: ${JSON.stringify(v)} (ISO 8601 or unix seconds)` });
    return z.NEVER;
  }
  return typeof n === "number" && /^\d+(\.\d+)?$/.test(v) ? (n < 1e11 ? n * 1000 : n) : n;
});

/** Function-calling specs (name, description, JSON Schema of the arguments) for an LLM. */
export function toolSpecs(toolsets: readonly Toolset[]): Array<{ name: string; description: string; parameters: unknown; toolset: string; enabled: boolean; disabledReason?: string }> {
  return toolsets.flatMap((ts) => {
    const a = ts.availability();
    return ts.tools.map((t) => ({
      name: t.name,
      description: t.description,
      parameters: z.toJSONSchema(t.parameters, { io: "input", unrepresentable: "any" }),
      toolset: ts.name,
      enabled: a.enabled,
      ...(a.enabled ? {} : { disabledReason: a.reason }),
    }));
  });
}
