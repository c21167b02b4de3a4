import { readFileSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import { parse } from "yaml";

/**
 * A kubeconfig context the product can call with plain HTTPS requests: the API server's URL, a
 * bearer token (or its file, read at every request as a rotated token would be), a client
 * certificate, the server's CA, or none of these. What needs the Kubernetes client library
 * instead (an exec credential plugin, an auth provider, basic auth, a proxy) gives undefined.
 */
export interface PlainKubeConfig {
  server: string;
  token?: string;
  tokenFile?: string;
  ca?: string;
  cert?: string;
  key?: string;
  insecure: boolean;
  serverName?: string;
}

type Named<T> = { name?: string } & T;
interface RawCluster {
  server?: string;
  "certificate-authority"?: string;
  "certificate-authority-data"?: string;
  "insecure-skip-tls-verify"?: boolean;
  "tls-server-name"?: string;
  "proxy-url"?: string;
}
interface RawUser {
  token?: string;
  tokenFile?: string;
  "client-certificate"?: string;
  "client-certificate-data"?: string;
  "client-key"?: string;
  "client-key-data"?: string;
  exec?: unknown;
  "auth-provider"?: unknown;
  username?: string;
  password?: string;
  as?: string;
  impersonate?: string;
}
interface RawKubeConfig {
  "current-context"?: string;
  clusters?: Array<Named<{ cluster?: RawCluster }>>;
  users?: Array<Named<{ user?: RawUser }>>;
  contexts?: Array<Named<{ context?: { cluster?: string; user?: string } }>>;
}

const USER_KEYS: ReadonlySet<string> = new Set(["token", "tokenFile", "client-certificate", "client-certificate-data", "client-key", "client-key-data"]);
const CLUSTER_KEYS: ReadonlySet<string> = new Set(["server", "certificate-authority", "certificate-authority-data", "insecure-skip-tls-verify", "tls-server-name", "extensions"]);

/**
 * The plain form of a kubeconfig's context (`context`, else its current context), or undefined
 * when it uses anything else (then the Kubernetes client library serves it). `text` is the file's
 * YAML; `dir` is where relative file paths in it start. Files it names (CA, certificate, key) are
 * read with `readFile`.
 */
export function plainKubeConfig(text: string, dir: string, context?: string, readFile: (path: string) => string = (p) => readFileSync(p, "utf8")): PlainKubeConfig | undefined {
  let raw: RawKubeConfig;
  try {
    raw = parse(text) as RawKubeConfig;
  } catch {
    return undefined;
  }
  if (!raw || typeof raw !== "object") return undefined;
  const ctxName = context ?? raw["current-context"];
  const ctx = raw.contexts?.find((c) => c.name === ctxName)?.context;
  if (!ctx?.cluster) return undefined;
  const cluster = raw.clusters?.find((c) => c.name === ctx.cluster)?.cluster;
  const user = ctx.user === undefined ? {} : raw.users?.find((u) => u.name === ctx.user)?.user;
  if (!cluster?.server || !user) return undefined;
  // Anything beyond a token, a client certificate and the server's TLS settings (exec plugins,
  // auth providers, basic auth, impersonation, a proxy) is the client library's to handle.
  if (Object.keys(user).some((k) => !USER_KEYS.has(k)) || Object.keys(cluster).some((k) => !CLUSTER_KEYS.has(k))) return undefined;
  let url: URL;
  try {
    url = new URL(cluster.server);
  } catch {
    return undefined;
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return undefined;
  const path = (p: string) => (isAbsolute(p) ? p : resolve(dir, p));
  const fromData = (data: string) => Buffer.from(data, "base64").toString("utf8");
  const pem = (data: string | undefined, file: string | undefined) => (data ? fromData(data) : file ? readFile(path(file)) : undefined);
  try {
    return {
      server: cluster.server.replace(/\/+$/, ""),
      ...(user.token ? { token: user.token } : user.tokenFile ? { tokenFile: path(user.tokenFile) } : {}),
      ...optional("ca", pem(cluster["certificate-authority-data"], cluster["certificate-authority"])),
      ...optional("cert", pem(user["client-certificate-data"], user["client-certificate"])),
      ...optional("key", pem(user["client-key-data"], user["client-key"])),
      insecure: cluster["insecure-skip-tls-verify"] === true,
      ...optional("serverName", cluster["tls-server-name"]),
    };
  } catch {
    // A file it names cannot be read: the client library reports that as it always has.
    return undefined;
  }
}

function optional<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, string>);
}

/** `plainKubeConfig` of a kubeconfig file (undefined when it cannot be read). */
export function plainKubeConfigFile(file: string, context?: string): PlainKubeConfig | undefined {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
  return plainKubeConfig(text, dirname(file), context);
}
