/**
 * What the API server authorizes for an HTTP request, by Kubernetes' request-info rules
 * (k8s.io/apiserver/pkg/endpoints/request): the API group, the resource (with its subresource as
 * `resource/sub`), the verb, and whether it is namespaced.
 */
export interface RequestAttributes {
  group: string;
  resource: string;
  verb: string;
  namespace?: string;
}

export function requestAttributes(method: string, url: string): RequestAttributes {
  const u = new URL(url, "http://api");
  const seg = u.pathname.split("/").filter(Boolean);
  let rest: string[];
  let group: string;
  if (seg[0] === "api") {
    group = "";
    rest = seg.slice(2);
  } else if (seg[0] === "apis") {
    group = seg[1]!;
    rest = seg.slice(3);
  } else throw new Error(`not a resource request: ${method} ${url}`);
  let namespace: string | undefined;
  if (rest[0] === "namespaces" && rest.length >= 3) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const [resource, name, ...sub] = rest;
  const watch = ["true", "1"].includes(u.searchParams.get("watch") ?? "");
  const verbs: Record<string, string> = { GET: name ? "get" : watch ? "watch" : "list", POST: "create", PUT: "update", PATCH: "patch", DELETE: name ? "delete" : "deletecollection" };
  const verb = verbs[method.toUpperCase()];
  if (!resource || !verb) throw new Error(`cannot classify ${method} ${url}`);
  return { group, resource: sub.length ? `${resource}/${sub.join("/")}` : resource, verb, ...(namespace ? { namespace } : {}) };
}
