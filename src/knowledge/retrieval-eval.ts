import { readFileSync } from "node:fs";
import { z } from "zod";
import { AppError } from "../errors.ts";

/**
 * Retrieval development sets (eval/kb/*.json) and their figures: recall@1, recall@3 and mean
 * reciprocal rank of the expected runbook. Pure except `loadRetrievalSet`.
 */

const alertSchema = z.object({
  name: z.string().min(1),
  summary: z.string().default(""),
  description: z.string().optional(),
  labels: z.record(z.string(), z.string()).default({}),
});

const querySchema = z.union([z.object({ alert: alertSchema, expected: z.string().min(1) }), z.object({ text: z.string().min(1), expected: z.string().min(1) })]);

export const retrievalSetSchema = z.object({
  name: z.string().min(1),
  about: z.string().optional(),
  runbooks: z.union([z.object({ dir: z.string().min(1) }), z.object({ repo: z.string().regex(/^[\w.-]+\/[\w.-]+$/), commit: z.string().regex(/^[0-9a-f]{40}$/), path: z.string().min(1), licence: z.string().optional(), exclude: z.array(z.string()).default([]) })]),
  queries: z.array(querySchema).min(1),
});

export type RetrievalSet = z.infer<typeof retrievalSetSchema>;
export type RetrievalQuery = RetrievalSet["queries"][number];

export function loadRetrievalSet(path: string): RetrievalSet {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new AppError("bad_eval_set", `${path}: ${e instanceof Error ? e.message : String(e)}`, { status: 400 });
  }
  const parsed = retrievalSetSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new AppError("bad_eval_set", `${path}: ${issue?.path.join(".") || "set"}: ${issue?.message ?? "invalid"}`, { status: 400 });
  }
  return parsed.data;
}

export interface RetrievalFigures {
  queries: number;
  recall1: number;
  recall3: number;
  mrr: number;
}

/** Figures from the 1-based rank of the expected entry per query (0 = not returned). */
export function retrievalFigures(ranks: readonly number[]): RetrievalFigures {
  const n = ranks.length;
  const share = (k: number): number => (n ? ranks.filter((r) => r > 0 && r <= k).length / n : 0);
  const mrr = n ? ranks.reduce((a, r) => a + (r > 0 ? 1 / r : 0), 0) / n : 0;
  const round = (x: number): number => Number(x.toFixed(4));
  return { queries: n, recall1: round(share(1)), recall3: round(share(3)), mrr: round(mrr) };
}
