import { confidenceLevel } from "../domain/confidence.ts";
import type { Diagnosis, Hypothesis } from "./types.ts";

/**
 * A close call: the runner-up scores near the leader ("unsure: two candidates"), yet the leader's
 * calibrated confidence is high. On the evaluation cases such leaders were right 88 % of the time
 * (77 % on the generated regimes; 94–98 % when no runner-up was close, 29–33 % for close leaders of
 * medium confidence). It reads "the leader, with the runner-up close behind" — never "Unsure"
 * beside "confidence 87 % — high". The remediation still waits for the two to be told apart.
 */
export function closeCall(d: Pick<Diagnosis, "uncertainty" | "hypotheses">): { lead: Hypothesis; second: Hypothesis } | undefined {
  const [lead, second] = d.hypotheses;
  if (d.uncertainty !== "unsure: two candidates" || !lead || !second) return undefined;
  return confidenceLevel(lead.confidence) === "high" ? { lead, second } : undefined;
}
