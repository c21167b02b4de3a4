import type { IncomingMessage, ServerResponse } from "node:http";

/** The segments of a route path: "/a/:id/*rest" → "" | "a" | ":id" | "*rest". */
type Segments<P extends string> = P extends `${infer Head}/${infer Tail}` ? Head | Segments<Tail> : P;
type ParamOf<S extends string> = S extends `:${infer K}` | `*${infer K}` ? K : never;

/** The parameter names of a route path ("/users/:user/files/*rest" → "user" | "rest"); any name for a path built at run time. */
export type PathParams<P extends string> = string extends P ? string : ParamOf<Segments<P>>;

/**
 * A request as route handlers see it: the raw body is read once, before the handler runs. `K` names
 * the path's parameters, so a handler reads `req.params.user` as a string when its path has `:user`.
 */
export interface RouteRequest<K extends string = string> {
  method: string;
  path: string;
  params: Record<K, string>;
  query: URLSearchParams;
  headers: IncomingMessage["headers"];
  body: Buffer;
  raw: IncomingMessage;
}

export type RouteHandler<K extends string = string> = (req: RouteRequest<K>, res: ServerResponse) => Promise<void> | void;

interface Route {
  method: string;
  pattern: RegExp;
  keys: string[];
  handler: RouteHandler;
}

export class BodyTooLargeError extends Error {
  readonly limit: number;
  constructor(limit: number) {
    super(`body larger than ${limit} bytes`);
    this.limit = limit;
  }
}

/**
 * Reads the whole body, refusing more than maxBytes (the caller answers 413). A declared
 * Content-Length over the limit is refused before anything is read.
 */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > maxBytes) return Promise.reject(new BodyTooLargeError(maxBytes));
  // Plain events, not the stream's async iterator (a promise and a turn per chunk): the webhook door reads a body per request.
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (e?: Error) => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", done);
      req.off("close", onClose);
      if (e) reject(e);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        // Paused, as the iterator left it when the loop threw: the caller drains or closes it.
        req.pause();
        return done(new BodyTooLargeError(maxBytes));
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      done();
      resolve(Buffer.concat(chunks));
    };
    const onClose = () => done(Object.assign(new Error("aborted"), { code: "ECONNRESET" }));
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", done);
    req.on("close", onClose);
  });
}

/** How much of a refused body is still read (and thrown away) so the sender sees the 413, not a reset. */
const DRAIN_MAX_BYTES = 64 * 1024 * 1024;
const DRAIN_MAX_MS = 15_000;

/**
 * Answers 413 cleanly: the rest of the body is read and discarded (bounded in bytes and time), so a
 * sender still uploading gets the answer instead of a connection reset. Not with `Connection: close`:
 * Node destroys such a socket as soon as the answer is written, whatever is still arriving, and a
 * sender mid-upload then sees EPIPE instead of the 413 (1 in 3 of the e2e runs with a 3 MB body).
 */
export function refuseTooLarge(req: IncomingMessage, res: ServerResponse, body: unknown): void {
  let drained = 0;
  const stop = setTimeout(() => req.destroy(), DRAIN_MAX_MS);
  stop.unref();
  req.on("data", (c: Buffer) => {
    drained += c.length;
    if (drained > DRAIN_MAX_BYTES) req.destroy();
  });
  req.on("end", () => clearTimeout(stop));
  req.on("close", () => clearTimeout(stop));
  req.resume();
  sendJson(res, 413, body);
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
  private readonly maxBody: (params: Record<string, string>) => number;
  private readonly tooLarge: (limit: number) => unknown;

  /**
   * `maxBodyBytes`: a number, or the limit for a request from its path parameters (a webhook
   * source's own limit). `tooLarge`: the 413 body.
   */
  constructor(options: { maxBodyBytes?: number | ((params: Record<string, string>) => number); tooLarge?: (limit: number) => unknown } = {}) {
    const max = options.maxBodyBytes ?? 5 * 1024 * 1024;
    this.maxBody = typeof max === "number" ? () => max : max;
    this.tooLarge = options.tooLarge ?? ((limit) => ({ error: "payload_too_large", detail: `body larger than ${limit} bytes` }));
  }

  add<P extends string>(method: string, path: P, handler: RouteHandler<PathParams<P>>): this {
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
    // `handle` fills params with exactly this path's keys, which is what PathParams<P> names.
    this.routes.push({ method: method.toUpperCase(), pattern: new RegExp(`^${source}/?$`), keys, handler: handler as RouteHandler });
    return this;
  }

  /** Mounts another router's routes (already prefixed by their own paths). */
  include(other: Router): this {
    this.routes.push(...other.routes);
    return this;
  }

  /** Mounts another router's routes, each handler passed through `wrap` (which may record the request first). */
  includeWrapped(other: Router, wrap: (handler: RouteHandler) => RouteHandler): this {
    this.routes.push(...other.routes.map((r) => ({ ...r, handler: wrap(r.handler) })));
    return this;
  }

  /** The first route that takes this method and path, with the path's parameters. */
  private match(method: string, pathname: string): { route: Route; params: Record<string, string> } | undefined {
    for (const route of this.routes) {
      if (route.method !== method && route.method !== "*") continue;
      const match = route.pattern.exec(pathname);
      if (!match) continue;
      const params: Record<string, string> = {};
      for (let i = 0; i < route.keys.length; i++) params[route.keys[i]!] = decodeURIComponent(match[i + 1] ?? "");
      return { route, params };
    }
    return undefined;
  }

  /**
   * Runs the matching route for a request made in-process (a recorded request replayed): the body
   * given, no socket. The handler is called synchronously up to its first await; false when no route matches.
   */
  dispatch(req: { method: string; url: string; headers: IncomingMessage["headers"]; body: Buffer }, res: ServerResponse): boolean {
    const url = new URL(req.url, "http://localhost");
    const method = req.method.toUpperCase();
    const found = this.match(method, url.pathname);
    if (!found) return false;
    const { route, params } = found;
    try {
      void Promise.resolve(route.handler({ method, path: url.pathname, params, query: url.searchParams, headers: req.headers, body: req.body, raw: { headers: req.headers, method, url: req.url } as IncomingMessage }, res)).catch(() => undefined);
    } catch {
      // A request that failed when it was made fails again: nothing changed then either.
    }
    return true;
  }

  /**
   * Handles the request if a route matches; returns false otherwise. `url`: the request's URL already
   * parsed (requestUrl), when several routers are tried in turn: it is parsed once per request.
   */
  async handle(req: IncomingMessage, res: ServerResponse, url: URL = requestUrl(req)): Promise<boolean> {
    const method = (req.method ?? "GET").toUpperCase();
    const found = this.match(method, url.pathname);
    if (!found) return false;
    const { route, params } = found;
    let body: Buffer;
    try {
      body = await readBody(req, this.maxBody(params));
    } catch (e) {
      if (e instanceof BodyTooLargeError) {
        refuseTooLarge(req, res, this.tooLarge(e.limit));
        return true;
      }
      throw e;
    }
    await route.handler({ method, path: url.pathname, params, query: url.searchParams, headers: req.headers, body, raw: req }, res);
    return true;
  }
}

/** A request's URL as the routers read it (path and query). */
export function requestUrl(req: IncomingMessage): URL {
  return new URL(req.url ?? "/", "http://localhost");
}
