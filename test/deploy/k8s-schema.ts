import * as client from "@kubernetes/client-node";

/**
 * Validation of a Kubernetes object against the API's schemas, from two kept packages:
 * - `kubernetes-models`: the OpenAPI schemas of every built-in kind compiled to validators (types,
 *   required fields, enums, formats);
 * - `@kubernetes/client-node`: the attribute map of every model, used to reject fields the API does
 *   not know (what `kubectl --validate=strict` does; a typo like `readOnlyRootFileSystem` is
 *   otherwise silently dropped by the API server).
 * Returns the problems found (empty when valid).
 */
export async function validateObject(o: { apiVersion: string; kind: string }): Promise<string[]> {
  const where = `${o.kind} ${(o as { metadata?: { name?: string } }).metadata?.name ?? "?"}`;
  let Model: new (data: unknown) => { validate(): void };
  try {
    const specifier = `kubernetes-models/${o.apiVersion}/${o.kind}`;
    Model = (await import(/* @vite-ignore */ specifier))[o.kind];
  } catch {
    return [`${where}: no schema for ${o.apiVersion} ${o.kind}`];
  }
  const problems: string[] = [];
  try {
    new Model(o).validate();
  } catch (e) {
    problems.push(`${where}: ${(e as Error).message}`);
  }
  const version = o.apiVersion.split("/").at(-1)!;
  const typeName = `${version[0]!.toUpperCase()}${version.slice(1)}${o.kind}`;
  unknownFields(o, typeName, "", problems, where);
  return problems;
}

type AttributeMap = Array<{ name: string; baseName: string; type: string }>;
const models = client as unknown as Record<string, { getAttributeTypeMap?: () => AttributeMap } | undefined>;

function unknownFields(value: unknown, type: string, path: string, problems: string[], where: string): void {
  if (value === null || value === undefined) return;
  const array = /^Array<(.+)>$/.exec(type);
  if (array) {
    if (Array.isArray(value)) value.forEach((v, i) => unknownFields(v, array[1]!, `${path}[${i}]`, problems, where));
    return;
  }
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) {
    if (typeof value === "object") for (const [k, v] of Object.entries(value)) unknownFields(v, map[1]!, `${path}.${k}`, problems, where);
    return;
  }
  const attributes = models[type]?.getAttributeTypeMap?.();
  if (!attributes || typeof value !== "object") return;
  const known = new Map(attributes.map((a) => [a.baseName, a.type]));
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const t = known.get(k);
    if (t === undefined) problems.push(`${where}: unknown field ${path ? `${path}.` : ""}${k} (not in ${type})`);
    else unknownFields(v, t, path ? `${path}.${k}` : k, problems, where);
  }
}
