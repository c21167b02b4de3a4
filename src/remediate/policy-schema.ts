import { z } from "zod";
import { AUTONOMY_LEVELS, KUBERNETES_ACTION_TYPES } from "./types.ts";

/**
 * The remediation policy file (YAML, AISRE_POLICY_FILE): autonomy per action type, service and
 * environment, who approves, limits, time windows, and the runbook actions (HTTP hooks, scripts).
 * Unknown keys are errors: a typo must not silently grant or drop a guardrail.
 */

const autonomy = z.enum(AUTONOMY_LEVELS as [string, ...string[]], { error: `expected one of ${AUTONOMY_LEVELS.join(", ")}` }) as z.ZodType<"observe" | "advise" | "approve" | "auto">;
const risk = z.enum(["safe", "caution", "forbidden"], { error: "expected safe, caution or forbidden" });
const oneOrMany = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).transform((v) => (Array.isArray(v) ? v : [v]));
const approver = z.string().regex(/^(@[a-z0-9._-]+|[UWS][A-Z0-9_]+)$/i, { error: "expected a Slack user id (U…), a user group id (S…) or a group handle (@sre-approvers)" });
const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, { error: "expected HH:MM (24 h)" });
const day = z.enum(["mon", "tue", "wed", "thu", "fri", "sat", "sun"], { error: "expected mon, tue, wed, thu, fri, sat or sun" });

export const limitsSchema = z
  .object({
    maxReplicas: z.number().int().positive(),
    minReplicas: z.number().int().min(0),
    maxPodShare: z.number().gt(0).max(1),
    maxActionsPerIncident: z.number().int().positive(),
    maxActionsPerHour: z.number().int().positive(),
    maxAttempts: z.number().int().positive(),
  })
  .strict();

export const verificationSchema = z
  .object({
    windowSeconds: z.number().positive(),
    intervalSeconds: z.number().positive(),
    consecutive: z.number().int().positive(),
  })
  .strict();

const ruleSchema = z
  .object({
    match: z.object({ action: oneOrMany.optional(), service: oneOrMany.optional(), environment: oneOrMany.optional() }).strict().default({}),
    autonomy: autonomy.optional(),
    forbidden: z.boolean().optional(),
    approvers: z.array(approver).min(1).optional(),
    requiredApprovals: z.number().int().min(1).max(5).optional(),
    limits: limitsSchema.partial().optional(),
    verification: verificationSchema.partial().optional(),
  })
  .strict();

const windowSchema = z
  .object({
    name: z.string().min(1),
    days: z.array(day).min(1).default(["mon", "tue", "wed", "thu", "fri", "sat", "sun"]),
    from: hhmm,
    to: hhmm,
    timezone: z
      .string()
      .default("UTC")
      .refine(
        (tz) => {
          try {
            new Intl.DateTimeFormat("en-US", { timeZone: tz });
            return true;
          } catch {
            return false;
          }
        },
        { error: "expected an IANA time zone such as Europe/Berlin" },
      ),
    /** The most autonomy allowed inside the window (e.g. approve: no auto actions in peak hours). */
    maxAutonomy: autonomy,
    match: z.object({ action: oneOrMany.optional(), service: oneOrMany.optional(), environment: oneOrMany.optional() }).strict().default({}),
  })
  .strict();

/** A runbook argument: a small declarative schema turned into zod (see args-schema.ts). */
export const argSpecSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("string"), description: z.string().optional(), optional: z.boolean().default(false), pattern: z.string().optional(), maxLength: z.number().int().positive().default(256), enum: z.array(z.string()).min(1).optional() }).strict(),
  z.object({ type: z.literal("integer"), description: z.string().optional(), optional: z.boolean().default(false), min: z.number().int().optional(), max: z.number().int().optional() }).strict(),
  z.object({ type: z.literal("boolean"), description: z.string().optional(), optional: z.boolean().default(false) }).strict(),
]);

const httpHookSchema = z
  .object({
    /** `{sandbox}` is replaced by the local sandbox's base URL. */
    url: z.string().regex(/^(https?:\/\/|\{sandbox\})/, { error: "expected an http(s) URL (or one starting with {sandbox})" }),
    method: z.enum(["POST", "PUT", "DELETE"]).default("POST"),
    headers: z.record(z.string(), z.string()).default({}),
    timeoutSeconds: z.number().positive().default(10),
    /** How the hook is told it is a dry run: `"dryRun": true` in the body, `?dryRun=true`, or not at all. */
    dryRun: z.enum(["body", "query", "none"]).default("body"),
  })
  .strict();

const scriptSchema = z
  .object({
    /** argv, no shell; `{arg}` in an element is replaced by that argument's value. */
    command: z.array(z.string().min(1)).min(1),
    timeoutSeconds: z.number().positive().default(30),
    /** `flag`: the dry run appends `--dry-run` to the command; `none`: the dry run only validates arguments. */
    dryRun: z.enum(["flag", "none"]).default("flag"),
  })
  .strict();

export const runbookSchema = z
  .object({
    title: z.string().min(1).max(60),
    description: z.string().default(""),
    risk: risk.default("caution"),
    reversible: z.boolean().default(false),
    blastRadius: z.string().min(1),
    rollback: z.string().default("Not reversible by aisre."),
    /** Symptom checks to watch afterwards on the target service (see docs/remediation.md). */
    verify: z.array(z.string().min(1)).min(1).default(["error_ratio"]),
    http: httpHookSchema.optional(),
    script: scriptSchema.optional(),
    args: z.record(z.string().regex(/^[a-zA-Z][a-zA-Z0-9_]*$/), argSpecSchema).default({}),
  })
  .strict()
  .refine((r) => !!r.http !== !!r.script, { error: "declare exactly one of http or script" });

export const policySchema = z
  .object({
    version: z.literal(1).default(1),
    /** The environment of a target that does not name one. */
    environment: z.string().min(1).default("production"),
    defaults: z
      .object({
        autonomy: autonomy.default("approve"),
        approvers: z.array(approver).min(1).default(["@sre-approvers"]),
        /** Approvals for an action; an irreversible caution action needs `riskiestApprovals`. */
        requiredApprovals: z.number().int().min(1).max(5).default(1),
        riskiestApprovals: z.number().int().min(1).max(5).default(2),
      })
      .strict()
      .prefault({}),
    limits: limitsSchema.partial().prefault({}),
    verification: verificationSchema.partial().prefault({}),
    /** Per action type: override the catalog's risk (e.g. forbid scale). */
    actions: z.record(z.string(), z.object({ risk }).strict()).default({}),
    rules: z.array(ruleSchema).default([]),
    windows: z.array(windowSchema).default([]),
    runbooks: z.record(z.string().regex(/^[a-z][a-z0-9_]*$/, { error: "expected a snake_case action name" }), runbookSchema).default({}),
  })
  .strict()
  .superRefine((p, ctx) => {
    for (const name of Object.keys(p.runbooks)) {
      if ((KUBERNETES_ACTION_TYPES as readonly string[]).includes(name)) ctx.addIssue({ code: "custom", path: ["runbooks", name], message: `${name} is a built-in Kubernetes action; give the runbook another name` });
    }
  });

export type PolicyFile = z.infer<typeof policySchema>;
export type PolicyRule = z.infer<typeof ruleSchema>;
export type PolicyWindow = z.infer<typeof windowSchema>;
export type RunbookSpec = z.infer<typeof runbookSchema>;
export type ArgSpec = z.infer<typeof argSpecSchema>;

export const DEFAULT_LIMITS = { maxReplicas: 20, minReplicas: 1, maxPodShare: 0.5, maxActionsPerIncident: 5, maxActionsPerHour: 10, maxAttempts: 2 } as const;
export const DEFAULT_VERIFICATION = { windowSeconds: 300, intervalSeconds: 15, consecutive: 2 } as const;

/** Validates a parsed YAML document; the error names each bad field by its path. */
export function parsePolicy(doc: unknown): { ok: true; policy: PolicyFile } | { ok: false; error: string } {
  const r = policySchema.safeParse(doc ?? {});
  if (r.success) return { ok: true, policy: r.data };
  return { ok: false, error: r.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ") };
}
