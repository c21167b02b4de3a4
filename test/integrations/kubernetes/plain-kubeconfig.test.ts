import { describe, expect, it } from "vitest";
import { plainKubeConfig } from "../../../src/integrations/kubernetes/plain-kubeconfig.ts";

const b64 = (s: string) => Buffer.from(s).toString("base64");

function kubeconfig(user: Record<string, unknown>, cluster: Record<string, unknown> = { server: "https://k8s.example:6443/", "certificate-authority-data": b64("CA PEM") }): string {
  return JSON.stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [
      { name: "prod", cluster },
      { name: "other", cluster: { server: "https://other:6443" } },
    ],
    users: [{ name: "me", user }],
    contexts: [
      { name: "prod", context: { cluster: "prod", user: "me" } },
      { name: "other", context: { cluster: "other", user: "me" } },
    ],
    "current-context": "prod",
  });
}

describe("plainKubeConfig: the kubeconfigs served with plain HTTPS requests", () => {
  it("reads a token, the server and its CA (data or a file relative to the kubeconfig)", () => {
    expect(plainKubeConfig(kubeconfig({ token: "t0k" }), "/etc/kube")).toEqual({ server: "https://k8s.example:6443", token: "t0k", ca: "CA PEM", insecure: false });
    const files: Record<string, string> = { "/etc/kube/ca.crt": "CA FILE" };
    expect(plainKubeConfig(kubeconfig({ tokenFile: "token" }, { server: "https://k8s:6443", "certificate-authority": "ca.crt", "tls-server-name": "api" }), "/etc/kube", undefined, (p) => files[p] ?? "")).toEqual({
      server: "https://k8s:6443",
      tokenFile: "/etc/kube/token",
      ca: "CA FILE",
      insecure: false,
      serverName: "api",
    });
  });

  it("reads a client certificate and key, and the context asked for", () => {
    expect(plainKubeConfig(kubeconfig({ "client-certificate-data": b64("CERT"), "client-key-data": b64("KEY") }), "/", "other")).toEqual({ server: "https://other:6443", cert: "CERT", key: "KEY", insecure: false });
  });

  it("leaves exec plugins, auth providers, basic auth, impersonation and proxies to the client library", () => {
    expect(plainKubeConfig(kubeconfig({ exec: { command: "aws", args: ["eks", "get-token"] } }), "/")).toBeUndefined();
    expect(plainKubeConfig(kubeconfig({ "auth-provider": { name: "oidc" } }), "/")).toBeUndefined();
    expect(plainKubeConfig(kubeconfig({ username: "u", password: "p" }), "/")).toBeUndefined();
    expect(plainKubeConfig(kubeconfig({ token: "t", as: "admin" }), "/")).toBeUndefined();
    expect(plainKubeConfig(kubeconfig({ token: "t" }, { server: "https://k8s:6443", "proxy-url": "http://proxy:3128" }), "/")).toBeUndefined();
  });

  it("gives undefined for what it cannot use: no such context, no server, not YAML, an unreadable file", () => {
    expect(plainKubeConfig(kubeconfig({ token: "t" }), "/", "nope")).toBeUndefined();
    expect(plainKubeConfig(kubeconfig({ token: "t" }, {}), "/")).toBeUndefined();
    expect(plainKubeConfig(": : :", "/")).toBeUndefined();
    expect(
      plainKubeConfig(kubeconfig({ token: "t" }, { server: "https://k8s:6443", "certificate-authority": "missing.crt" }), "/", undefined, () => {
        throw new Error("ENOENT");
      }),
    ).toBeUndefined();
  });
});
