/** URLs in message text: Slack's `<url>` / `<url|label>` markup and bare ones. */
const URLS = /<(https?:\/\/[^|>\s]+)(?:\|[^>]*)?>|(https?:\/\/[^\s<>|]+)/g;

/** The registered domain a URL belongs to (its host, or a subdomain of it), or undefined. */
export function registeredDomain(url: string, domains: string[]): string | undefined {
  let host: string;
  try {
    host = new URL(url).hostname.toLowerCase();
  } catch {
    return undefined;
  }
  return domains.find((d) => host === d.toLowerCase() || host.endsWith(`.${d.toLowerCase()}`));
}

/** The links `link_shared` carries for a message: each URL on a registered domain, once, in order. */
export function sharedLinks(text: string, domains: string[]): Array<{ domain: string; url: string }> {
  const out: Array<{ domain: string; url: string }> = [];
  for (const m of text.matchAll(URLS)) {
    const url = (m[1] ?? m[2] ?? "").replace(/[.,;:!?)]+$/, "");
    const domain = registeredDomain(url, domains);
    if (domain && !out.some((l) => l.url === url)) out.push({ domain, url });
  }
  return out;
}

/** The URLs in a message's text (for chat.unfurl's check that an unfurled URL is in the message). */
export function urlsIn(text: string): string[] {
  return [...text.matchAll(URLS)].map((m) => (m[1] ?? m[2] ?? "").replace(/[.,;:!?)]+$/, ""));
}
