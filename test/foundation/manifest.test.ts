import { readFileSync } from "node:fs";
import { Ajv } from "ajv";
import addFormatsModule from "ajv-formats";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { SLASH_COMMANDS } from "../../handlers/commands/aisre.ts";
import { DEFAULT_BOT_EVENTS } from "../../src/sandbox/slack/events.ts";
import { SUGGESTED_PROMPTS } from "../../src/assistant/assistant-surface.ts";
import { OAUTH_PATHS } from "../../handlers/app.ts";
import { DEFAULT_BOT_SCOPES } from "../../src/config.ts";

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const manifest = parse(readFileSync(new URL("../../manifest.yml", import.meta.url), "utf8")) as {
  features: {
    app_home?: { home_tab_enabled?: boolean };
    slash_commands: Array<{ command: string; usage_hint?: string }>;
    assistant_view?: { suggested_prompts?: Array<{ title: string; message: string }> };
    unfurl_domains?: string[];
  };
  oauth_config: { scopes: { bot: string[] }; redirect_urls?: string[] };
  settings: { socket_mode_enabled: boolean; event_subscriptions: { bot_events: string[] }; interactivity: { is_enabled: boolean } };
};
const schema = JSON.parse(readFileSync(new URL("../fixtures/slack-manifest.schema.1.0.0.json", import.meta.url), "utf8")) as object;

function validator() {
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  return ajv.compile(schema);
}

describe("manifest.yml", () => {
  it("declares the OAuth redirect URL the product serves, and the scopes an OAuth install asks for", () => {
    expect(manifest.oauth_config.redirect_urls?.map((u) => new URL(u).pathname)).toEqual([OAUTH_PATHS.redirect]);
    expect([...DEFAULT_BOT_SCOPES].sort()).toEqual([...manifest.oauth_config.scopes.bot].sort());
  });

  it("is valid against Slack's official manifest schema", () => {
    const validate = validator();
    const ok = validate(manifest);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  it("is rejected by the schema when broken (the check can fail)", () => {
    const validate = validator();
    expect(validate({ ...manifest, features: { ...manifest.features, slash_commands: [{ command: "aisre" }] } })).toBe(false);
    expect(validate({ ...manifest, unknown_section: true })).toBe(false);
  });

  it("declares exactly the slash commands the code registers", () => {
    expect(manifest.features.slash_commands.map((c) => c.command).sort()).toEqual([...SLASH_COMMANDS].sort());
    expect(manifest.features.slash_commands.every((c) => (c.usage_hint ?? "").length > 0)).toBe(true);
  });

  it("subscribes to mentions and thread messages, with interactivity on and Socket Mode off", () => {
    expect(manifest.settings.event_subscriptions.bot_events).toEqual(expect.arrayContaining(["app_mention", "message.channels"]));
    expect(manifest.settings.interactivity.is_enabled).toBe(true);
    expect(manifest.settings.socket_mode_enabled).toBe(false);
    expect(manifest.oauth_config.scopes.bot).toEqual(expect.arrayContaining(["commands", "chat:write", "app_mentions:read"]));
    expect(manifest.oauth_config.scopes.bot).not.toContain("admin");
  });

  it("declares the Home tab and app_home_opened, and the sandbox twin subscribes to what the manifest does", () => {
    expect(manifest.features.app_home?.home_tab_enabled).toBe(true);
    expect(manifest.settings.event_subscriptions.bot_events).toContain("app_home_opened");
    for (const e of DEFAULT_BOT_EVENTS) expect(manifest.settings.event_subscriptions.bot_events).toContain(e);
  });

  it("declares the assistant container, unfurls and what they need (scopes and events)", () => {
    expect(manifest.features.assistant_view?.suggested_prompts).toEqual(SUGGESTED_PROMPTS.map((p) => ({ ...p })));
    expect(manifest.features.unfurl_domains?.length).toBeGreaterThan(0);
    expect(manifest.oauth_config.scopes.bot).toEqual(expect.arrayContaining(["assistant:write", "im:history", "links:read", "links:write"]));
    expect(manifest.settings.event_subscriptions.bot_events).toEqual(expect.arrayContaining(["assistant_thread_started", "assistant_thread_context_changed", "message.im", "link_shared"]));
  });
});
