import type { K8sObject } from "../world/types.ts";

type LabelReq = { key: string; op: "=" | "!=" | "in" | "notin" | "exists" | "!exists"; values: string[] };

/** Parses a Kubernetes label selector (`app=x,tier!=db,env in (a,b),!canary`). */
export function parseLabelSelector(text: string | null): LabelReq[] {
  if (!text) return [];
  const reqs: LabelReq[] = [];
  const parts = text.match(/([^,(]+(\([^)]*\))?)/g) ?? [];
  for (const raw of parts) {
    const p = raw.trim();
    if (!p) continue;
    let m = /^(\S+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(p);
    if (m) {
      reqs.push({
        key: m[1]!,
        op: m[2] as "in" | "notin",
        values: m[3]!
          .split(",")
          .map((v) => v.trim())
          .filter(Boolean),
      });
      continue;
    }
    m = /^([^!=]+?)\s*(==|=|!=)\s*(.*)$/.exec(p);
    if (m) {
      reqs.push({ key: m[1]!.trim(), op: m[2] === "!=" ? "!=" : "=", values: [m[3]!.trim()] });
      continue;
    }
    if (p.startsWith("!")) reqs.push({ key: p.slice(1).trim(), op: "!exists", values: [] });
    else reqs.push({ key: p, op: "exists", values: [] });
  }
  return reqs;
}

export function labelsMatch(labels: Record<string, string> | undefined, reqs: LabelReq[]): boolean {
  const l = labels ?? {};
  return reqs.every((r) => {
    const v = l[r.key];
    switch (r.op) {
      case "=":
        return v === r.values[0];
      case "!=":
        return v !== r.values[0];
      case "in":
        return v !== undefined && r.values.includes(v);
      case "notin":
        return v === undefined || !r.values.includes(v);
      case "exists":
        return v !== undefined;
      case "!exists":
        return v === undefined;
    }
  });
}

/** Field selectors (`metadata.name=x`, `involvedObject.kind=Pod`, `status.phase!=Running`). */
export function fieldsMatch(obj: K8sObject, text: string | null): boolean {
  if (!text) return true;
  return text.split(",").every((part) => {
    const m = /^([^!=]+)(==|=|!=)(.*)$/.exec(part.trim());
    if (!m) return true;
    let cur: unknown = obj;
    for (const k of m[1]!.split(".")) cur = cur && typeof cur === "object" ? (cur as Record<string, unknown>)[k] : undefined;
    const v = cur === undefined || cur === null ? "" : String(cur);
    return m[2] === "!=" ? v !== m[3] : v === m[3];
  });
}
