import type { RouteRequest } from "../../http/router.ts";

/** Small HTTP helpers shared by the Jira and PagerDuty sandboxes. */

/** The request body as a JSON object (an empty body is `{}`); undefined when it is not one. */
export function parseJsonObject(req: RouteRequest): Record<string, unknown> | undefined {
  try {
    const v = JSON.parse(req.body.toString("utf8") || "{}");
    return typeof v === "object" && v !== null && !Array.isArray(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

export const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[ch]!);

/**
 * The public base URL of a sandbox part for `self` links: the configured one (a string, or a
 * function for a URL only known once the server listens), else learnt from the Host of the requests
 * it serves (`current()` gives the last one, for webhooks sent outside a request).
 */
export function siteResolver(prefix: string, configured: string | (() => string | undefined) | undefined): { fromRequest(req: RouteRequest): string; current(): string } {
  let last = `http://localhost:3001${prefix}`;
  const fixed = () => (typeof configured === "function" ? configured() : configured) || undefined;
  return {
    fromRequest(req) {
      const site = fixed();
      if (site) return site;
      const host = req.headers["x-forwarded-host"] ?? req.headers.host;
      if (host) last = `http://${String(host)}${prefix}`;
      return last;
    },
    current: () => fixed() ?? last,
  };
}
