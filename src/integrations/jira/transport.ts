import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import type { TransportFailure } from "./errors.ts";

/**
 * The `request` function jira-client calls (its documented `request` option). jira-client's own
 * transport rejects with the response body only, which loses the status and Retry-After that the
 * write queue needs; this one rejects with `{statusCode, retryAfter, body}` and otherwise behaves
 * the same: JSON in and out, Basic or Bearer auth, strictSSL, timeout.
 */

interface JiraClientRequestOptions {
  uri: string;
  method?: string;
  json?: boolean;
  body?: unknown;
  auth?: { user?: string; pass?: string; bearer?: string };
  rejectUnauthorized?: boolean;
  timeout?: number;
  headers?: Record<string, string>;
}

function authorization(auth: JiraClientRequestOptions["auth"]): string | undefined {
  if (!auth) return undefined;
  if (auth.bearer) return `Bearer ${auth.bearer}`;
  if (auth.user !== undefined && auth.pass !== undefined) return `Basic ${Buffer.from(`${auth.user}:${auth.pass}`).toString("base64")}`;
  return undefined;
}

function decode(text: string, contentType: string | undefined): unknown {
  if (text === "") return undefined;
  if (contentType?.includes("json") || /^[[{]/.test(text.trimStart())) {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}

export function jiraTransport(options: JiraClientRequestOptions): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const url = new URL(options.uri);
    const payload = options.body === undefined ? undefined : Buffer.from(JSON.stringify(options.body));
    const headers: Record<string, string> = { accept: "application/json", ...options.headers };
    const auth = authorization(options.auth);
    if (auth) headers.authorization = auth;
    if (payload) {
      headers["content-type"] = "application/json";
      headers["content-length"] = String(payload.length);
    }
    const send = url.protocol === "https:" ? httpsRequest : httpRequest;
    const req = send(url, { method: options.method ?? "GET", headers, rejectUnauthorized: options.rejectUnauthorized !== false, timeout: options.timeout ?? 30_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("error", (e) => reject({ statusCode: 0, networkError: e.message } satisfies TransportFailure));
      res.on("end", () => {
        const body = decode(Buffer.concat(chunks).toString("utf8"), res.headers["content-type"]);
        const status = res.statusCode ?? 0;
        if (status >= 400) {
          const retryAfter = res.headers["retry-after"];
          reject({ statusCode: status, retryAfter: Array.isArray(retryAfter) ? retryAfter[0] : retryAfter, body } satisfies TransportFailure);
        } else resolve(body);
      });
    });
    req.on("timeout", () => req.destroy(new Error(`no response within ${options.timeout ?? 30_000} ms`)));
    req.on("error", (e) => reject({ statusCode: 0, networkError: e.message } satisfies TransportFailure));
    req.end(payload);
  });
}
