/**
 * Choosing the next workflow transition towards a target status when the workflow does not offer
 * it directly (To Do → Done needs In Progress first; Done → In Progress needs Reopen). Pure: Jira
 * only shows the transitions available from the current status, so the adapter steps one at a time.
 */

export interface TransitionOption {
  id: string;
  name: string;
  to: { name: string; category: "new" | "indeterminate" | "done" };
}

const RANK = { new: 0, indeterminate: 1, done: 2 } as const;

/**
 * The transition to take next: one that reaches the target, else one that moves the status category
 * towards the target's (when the target's category is known), avoiding statuses already visited.
 */
export function nextTransition(options: TransitionOption[], target: string, targetCategory: TransitionOption["to"]["category"] | undefined, visited: string[]): TransitionOption | undefined {
  const lower = target.toLowerCase();
  const direct = options.find((t) => t.to.name.toLowerCase() === lower) ?? options.find((t) => t.name.toLowerCase() === lower);
  if (direct) return direct;
  if (!targetCategory) return undefined;
  const fresh = options.filter((t) => !visited.some((v) => v.toLowerCase() === t.to.name.toLowerCase()));
  const goal = RANK[targetCategory];
  return fresh.map((t) => ({ t, d: Math.abs(goal - RANK[t.to.category]) })).sort((a, b) => a.d - b.d)[0]?.t;
}
