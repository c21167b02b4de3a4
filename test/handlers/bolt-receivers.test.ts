import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../../", import.meta.url));

/** Runs `body` in a fresh Node (the project's) after importing handlers/bolt.ts as `b`; returns what it prints. */
function inFreshNode(body: string): unknown {
  const script = `import { createRequire } from "node:module";
const require = createRequire(import.meta.url);
const loaded = () => Object.keys(require.cache).filter((k) => /node_modules\\/(express|body-parser|@slack\\/socket-mode|undici)\\//.test(k)).length;
const b = await import("./handlers/bolt.ts");
${body}`;
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], { cwd: root, encoding: "utf8" });
  expect(r.stderr).toBe("");
  return JSON.parse(r.stdout);
}

describe("Bolt without the receivers the product does not start (handlers/bolt.ts)", () => {
  it("loads neither express nor Socket Mode's client until a Socket Mode receiver is built, then Bolt's own", () => {
    const out = inFreshNode(`
const before = loaded();
const bolt = require("@slack/bolt");
const exported = typeof bolt.ExpressReceiver === "function" && typeof bolt.SocketModeReceiver === "function";
const r = new b.SocketModeReceiver({ appToken: "xapp-1-A0-1-secret" });
console.log(JSON.stringify({ before, exported, name: r.constructor.name, isOne: r instanceof b.SocketModeReceiver, client: typeof r.client?.start, after: loaded() }));`);
    expect(out).toMatchObject({ before: 0, exported: true, name: "SocketModeReceiver", isOne: true, client: "function" });
    expect((out as { after: number }).after).toBeGreaterThan(0);
  });

  it("builds an HTTP-mode App without loading them", () => {
    const out = inFreshNode(`
const app = new b.App({ token: "xoxb-1", signingSecret: "s", receiver: new b.HTTPReceiver({ signingSecret: "s" }), tokenVerificationEnabled: false });
console.log(JSON.stringify({ app: typeof app.event, after: loaded() }));`);
    expect(out).toEqual({ app: "function", after: 0 });
  });
});
