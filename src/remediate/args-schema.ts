import { z } from "zod";
import type { ArgSpec } from "./policy-schema.ts";

/**
 * A runbook's declared arguments as a strict zod object: unknown arguments are refused, strings
 * are bounded and matched against their pattern (the value may end up in a URL body or an argv).
 */
export function argsSchema(spec: Record<string, ArgSpec>): z.ZodType<Record<string, unknown>> {
  const shape: Record<string, z.ZodType> = {};
  for (const [name, a] of Object.entries(spec)) {
    let t: z.ZodType;
    if (a.type === "string") {
      let s = z.string().max(a.maxLength);
      if (a.pattern) s = s.regex(new RegExp(a.pattern), { error: `must match ${a.pattern}` });
      t = a.enum ? z.enum(a.enum as [string, ...string[]]) : s;
    } else if (a.type === "integer") {
      let n = z.number().int();
      if (a.min !== undefined) n = n.min(a.min);
      if (a.max !== undefined) n = n.max(a.max);
      t = z.preprocess((v) => (typeof v === "string" && /^-?\d+$/.test(v) ? Number(v) : v), n);
    } else {
      t = z.preprocess((v) => (v === "true" ? true : v === "false" ? false : v), z.boolean());
    }
    shape[name] = a.optional ? t.optional() : t;
  }
  return z.object(shape).strict() as unknown as z.ZodType<Record<string, unknown>>;
}

/** Validates arguments; the error names each bad argument. */
export function validateArgs(spec: Record<string, ArgSpec>, args: Record<string, unknown>): { ok: true; params: Record<string, unknown> } | { ok: false; error: string } {
  const r = argsSchema(spec).safeParse(args);
  if (r.success) return { ok: true, params: r.data };
  return { ok: false, error: r.error.issues.map((i) => `${i.path.join(".") || "arguments"}: ${i.message}`).join("; ") };
}
