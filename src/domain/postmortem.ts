/** Where a postmortem is in its review: draft → in review → final (and back a step). */
export type PostmortemStatus = "draft" | "in_review" | "final";

export const STATUS_LABEL: Record<PostmortemStatus, string> = { draft: "Draft", in_review: "In review", final: "Final" };
