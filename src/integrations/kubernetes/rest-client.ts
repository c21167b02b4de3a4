import { readFileSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import type { PlainKubeConfig } from "./plain-kubeconfig.ts";

/** A refusal of the API server: its HTTP status and the message of its Status body. */
export class KubeApiError extends Error {
  readonly status: number;
  readonly body: string;
  /** The message of the Status body ("" when it has none). */
  readonly apiMessage: string;
  constructor(status: number, body: string) {
    let message = "";
    try {
      message = (JSON.parse(body) as { message?: string }).message ?? "";
    } catch {
      message = body;
    }
    super(message || `HTTP ${status}`);
    this.apiMessage = message;
    this.name = "KubeApiError";
    this.status = status;
    this.body = body;
  }
}

export type Query = Record<string, string | number | boolean | undefined>;

/** The API server's REST interface over node:http(s): JSON in, JSON (or text, for logs) out. */
export class KubeRestClient {
  private readonly config: PlainKubeConfig;
  private readonly agent: http.Agent;

  constructor(config: PlainKubeConfig) {
    this.config = config;
    this.agent = config.server.startsWith("https:")
      ? new https.Agent({ keepAlive: true, ...(config.ca ? { ca: config.ca } : {}), ...(config.cert ? { cert: config.cert } : {}), ...(config.key ? { key: config.key } : {}), rejectUnauthorized: !config.insecure, ...(config.serverName ? { servername: config.serverName } : {}) })
      : new http.Agent({ keepAlive: true });
  }

  /** GET of a JSON object. */
  get<T>(path: string, query: Query = {}): Promise<T> {
    return this.request("GET", path, query).then((text) => JSON.parse(text) as T);
  }

  /** GET of text (a pod's logs). */
  text(path: string, query: Query = {}): Promise<string> {
    return this.request("GET", path, query);
  }

  /** PATCH with the given patch type (`application/strategic-merge-patch+json`, `…/merge-patch+json`, `…/json-patch+json`). */
  patch<T>(path: string, body: unknown, contentType: string, query: Query = {}): Promise<T> {
    return this.request("PATCH", path, query, { body: JSON.stringify(body), contentType }).then((text) => JSON.parse(text) as T);
  }

  delete<T>(path: string, query: Query = {}): Promise<T> {
    return this.request("DELETE", path, query).then((text) => JSON.parse(text) as T);
  }

  private token(): string | undefined {
    if (this.config.token) return this.config.token;
    // Read at every request: a projected service-account token is rotated in place.
    return this.config.tokenFile ? readFileSync(this.config.tokenFile, "utf8").trim() : undefined;
  }

  private request(method: string, path: string, query: Query, send?: { body: string; contentType: string }): Promise<string> {
    const url = new URL(this.config.server + path);
    for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, String(v));
    const token = this.token();
    const headers: Record<string, string> = { accept: "application/json, */*", ...(token ? { authorization: `Bearer ${token}` } : {}), ...(send ? { "content-type": send.contentType, "content-length": String(Buffer.byteLength(send.body)) } : {}) };
    const lib = url.protocol === "https:" ? https : http;
    return new Promise((resolve, reject) => {
      const req = lib.request(url, { method, headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("error", reject);
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) resolve(text);
          else reject(new KubeApiError(status, text));
        });
      });
      req.on("error", reject);
      req.end(send?.body);
    });
  }
}
