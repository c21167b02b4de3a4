import { describe, expect, it } from "vitest";
import { WebhookParseError } from "../../src/ingest/errors.ts";
import { github } from "../../src/ingest/sources/github.ts";
import { fixture, hmacHex, req } from "./helpers.ts";

const deployment = fixture("deployment.json");
const deploymentStatus = fixture("deployment_status.json");
const SECRET = "gh-secret";

const headers = (event: string, body: string, secret = SECRET) => ({
  "X-GitHub-Event": event,
  "X-GitHub-Delivery": "72d3162e-cc78-11e3-81ab-4c9367dc0958",
  "X-Hub-Signature-256": `sha256=${hmacHex(secret, body)}`,
  "Content-Type": "application/json",
});

function withDeployment(raw: string, patch: Record<string, unknown>): string {
  const body = JSON.parse(raw) as { deployment: Record<string, unknown> };
  body.deployment = { ...body.deployment, ...patch };
  return JSON.stringify(body);
}

describe("github deployment webhooks", () => {
  it("turns the real deployment event into a deploy change", () => {
    const out = github.parse(req(deployment, headers("deployment", deployment)));
    expect(out).toEqual({
      deliveryId: "72d3162e-cc78-11e3-81ab-4c9367dc0958",
      alerts: [],
      changes: [
        {
          id: "github:deployment:145988746",
          source: "github",
          kind: "deploy",
          service: "hello-world",
          version: "f95f852bd8fc",
          environment: "production",
          status: "created",
          author: "Codertocat",
          url: "https://github.com/Codertocat/Hello-World/deployments",
          at: "2019-05-15T15:20:53.000Z",
        },
      ],
    });
  });

  it("turns the real deployment_status event into the same change with its state", () => {
    const out = github.parse(req(deploymentStatus, headers("deployment_status", deploymentStatus)));
    expect(out.changes).toEqual([
      {
        id: "github:deployment:145988746",
        source: "github",
        kind: "deploy",
        service: "hello-world",
        version: "f95f852bd8fc",
        environment: "production",
        status: "success",
        author: "Codertocat",
        url: "https://github.com/Codertocat/Hello-World/deployments",
        at: "2019-05-15T15:20:53.000Z",
      },
    ]);
  });

  it("verifies X-Hub-Signature-256 over the raw body", () => {
    expect(github.verify(req(deployment, headers("deployment", deployment)), { githubSecret: SECRET })).toEqual({ ok: true });
    expect(github.verify(req(deployment, headers("deployment", deployment, "wrong")), { githubSecret: SECRET })).toMatchObject({ ok: false });
    expect(github.verify(req(deployment, { ...headers("deployment", deployment), "X-Hub-Signature-256": undefined }), { githubSecret: SECRET })).toMatchObject({ ok: false, reason: "missing x-hub-signature-256 header" });
    const tampered = deployment.replace('"environment": "production"', '"environment": "staging"');
    expect(github.verify(req(tampered, headers("deployment", deployment)), { githubSecret: SECRET })).toMatchObject({ ok: false });
    expect(github.verify(req(deployment, { "x-hub-signature-256": `sha1=${hmacHex(SECRET, deployment)}` }), { githubSecret: SECRET })).toMatchObject({ ok: false });
    expect(github.verify(req(deployment), {})).toEqual({ ok: true });
  });

  it("takes the service from payload.service, then <service>/<env>, then the repository", () => {
    const svc = (patch: Record<string, unknown>) => github.parse(req(withDeployment(deployment, patch), { "x-github-event": "deployment" })).changes[0]!;
    expect(svc({ payload: { service: "checkout", version: "1.4.2" } })).toMatchObject({ service: "checkout", version: "1.4.2", environment: "production" });
    expect(svc({ payload: JSON.stringify({ app: "cart" }) })).toMatchObject({ service: "cart" });
    expect(svc({ environment: "payments/staging" })).toMatchObject({ service: "payments", environment: "staging" });
    expect(svc({ environment: "prod/orders" })).toMatchObject({ service: "orders", environment: "prod" });
    expect(svc({ environment: "eu/west" })).toMatchObject({ service: "hello-world", environment: "eu/west" });
    expect(svc({ ref: "v2.3.0" })).toMatchObject({ version: "v2.3.0" });
    expect(svc({ ref: "refs/tags/release-7" })).toMatchObject({ version: "release-7" });
    expect(svc({ task: "rollback" })).toMatchObject({ kind: "rollback" });
  });

  it("prefers the status's log/target URL and description", () => {
    const body = JSON.parse(deploymentStatus) as { deployment_status: Record<string, unknown> };
    body.deployment_status = { ...body.deployment_status, state: "failure", target_url: "https://ci.example.com/run/9", description: "smoke tests failed" };
    const out = github.parse(req(JSON.stringify(body), { "x-github-event": "deployment_status" }));
    expect(out.changes[0]).toMatchObject({ status: "failure", url: "https://ci.example.com/run/9", description: "smoke tests failed" });
  });

  it("accepts ping and other events with no effect", () => {
    const out = github.parse(req({ zen: "Keep it logically awesome.", hook_id: 1 }, { "x-github-event": "ping", "x-github-delivery": "d-1" }));
    expect(out).toEqual({ deliveryId: "d-1", alerts: [], changes: [], ignored: ["ping events are not used"] });
  });

  it("names the malformed field", () => {
    const field = (body: string, event = "deployment") => {
      try {
        github.parse(req(body, { "x-github-event": event }));
      } catch (e) {
        if (e instanceof WebhookParseError) return e.field;
      }
      return "no error";
    };
    const noSha = JSON.parse(deployment) as { deployment: Record<string, unknown> };
    delete noSha.deployment.sha;
    expect(field(JSON.stringify(noSha))).toBe("deployment.sha");
    expect(field(withDeployment(deployment, { created_at: "not a time" }))).toBe("deployment.created_at");
    const noState = JSON.parse(deploymentStatus) as { deployment_status: Record<string, unknown> };
    delete noState.deployment_status.state;
    expect(field(JSON.stringify(noState), "deployment_status")).toBe("deployment_status.state");
    expect(field(JSON.stringify({ deployment: {} }))).toBe("deployment.id");
    expect(() => github.parse(req(deployment))).toThrow(expect.objectContaining({ name: "WebhookParseError", field: "X-GitHub-Event" }));
  });
});
