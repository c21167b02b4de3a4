/** How a confidence reads to people: the card, the diagnosis's header and the assistant use the same words for the same number. */
export type ConfidenceLevel = "high" | "medium" | "low";

export function confidenceLevel(c: number): ConfidenceLevel {
  return c >= 0.75 ? "high" : c >= 0.5 ? "medium" : "low";
}
