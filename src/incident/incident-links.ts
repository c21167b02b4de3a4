/**
 * aisre's own incident links (`<PUBLIC_URL>/incidents/<id>`), which Slack unfurls into the
 * incident's card through `link_shared` → `chat.unfurl` (pure).
 */

const PATH = /^\/incidents\/([A-Za-z0-9_-]{1,64})\/?$/;

export function incidentUrl(base: string, id: string): string {
  return `${base.replace(/\/+$/, "")}/incidents/${encodeURIComponent(id)}`;
}

/** The incident id an aisre link names, or undefined (other paths, other schemes, garbage). */
export function incidentIdFromUrl(url: string): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return undefined;
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") return undefined;
  return PATH.exec(u.pathname)?.[1];
}
