import type { IncomingMessage, ServerResponse } from "node:http";

/** A request as route handlers see it: the raw body is read once, before the handler runs. */
export interface RouteRequest {
  method: string;
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  headers: IncomingMessage["headers"];
  body: Buffer;
  raw: IncomingMessage;
}

export type RouteHandler = (req: RouteRequest, res: ServerResponse) => Promise<void> | void;

interface Route {
  method: string;
  pattern: RegExp;
  keys: string[];
  handler: RouteHandler;
}

export class BodyTooLargeError extends Error {}

/** Reads the whole body, refusing more than maxBytes (the caller answers 413). */
export async function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) throw new BodyTooLargeError(`body larger than ${maxBytes} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function sendText(res: ServerResponse, status: number, body: string | Buffer, contentType = "text/plain; charset=utf-8", headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": contentType, "content-length": Buffer.byteLength(body), ...headers });
  res.end(body);
}

/**
 * A small path router: `/api/:method`, `/k8s/*rest` (a trailing `*name` captures the rest of the path).
 * Routes are tried in the order they were added.
 */
export class Router {
  private readonly routes: Route[] = [];
  private readonly maxBody: number;

  constructor(options: { maxBodyBytes?: number } = {}) {
    this.maxBody = options.maxBodyBytes ?? 5 * 1024 * 1024;
  }

  add(method: string, path: string, handler: RouteHandler): this {
    const keys: string[] = [];
    const source = path
      .split("/")
      .map((part) => {
        if (part.startsWith(":")) {
          keys.push(part.slice(1));
          return "([^/]+)";
        }
        if (part.startsWith("*")) {
          keys.push(part.slice(1));
          return "(.*)";
        }
        return part.replace(/[.+?^${}()|[\]\\]/g, "\\$&");
      })
      .join("/");
    this.routes.push({ method: method.toUpperCase(), pattern: new RegExp(`^${source}/?$`), keys, handler });
    return this;
  }

  /** Mounts another router's routes (already prefixed by their own paths). */
  include(other: Router): this {
    this.routes.push(...other.routes);
    return this;
  }

  /** Handles the request if a route matches; returns false otherwise. */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const url = new URL(req.url ?? "/", "http://localhost");
    const method = (req.method ?? "GET").toUpperCase();
    for (const route of this.routes) {
      if (route.method !== method && route.method !== "*") continue;
      const match = route.pattern.exec(url.pathname);
      if (!match) continue;
      const params: Record<string, string> = {};
      route.keys.forEach((key, i) => {
        params[key] = decodeURIComponent(match[i + 1] ?? "");
      });
      let body: Buffer;
      try {
        body = await readBody(req, this.maxBody);
      } catch (e) {
        if (e instanceof BodyTooLargeError) {
          sendJson(res, 413, { error: "payload_too_large", detail: e.message });
          return true;
        }
        throw e;
      }
      await route.handler({ method, path: url.pathname, params, query: url.searchParams, headers: req.headers, body, raw: req }, res);
      return true;
    }
    return false;
  }
}
