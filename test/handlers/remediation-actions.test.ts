import type { App } from "@slack/bolt";
import { describe, expect, it } from "vitest";
import { ACTION } from "../../blocks/ids.ts";
import { registerRemediationActions } from "../../handlers/actions/remediation.ts";
import type { Services } from "../../src/app/services.ts";
import { AppError } from "../../src/errors.ts";
import { silentLogger } from "../../src/log.ts";

/**
 * A listener on its own, as Bolt's starter template tests them: a fake app that keeps the registered
 * handlers, a fake ack and respond, and only the service methods the listener calls.
 */
type Handler = (args: Record<string, unknown>) => Promise<void>;

function fakeApp(): { app: App; handlers: Map<string, Handler> } {
  const handlers = new Map<string, Handler>();
  const app = { action: (id: string, fn: Handler) => handlers.set(id, fn) } as unknown as App;
  return { app, handlers };
}

function click(actionId: string, value: string, user: string) {
  const calls: string[] = [];
  const replies: Array<Record<string, unknown>> = [];
  return {
    calls,
    replies,
    args: {
      ack: async () => void calls.push("ack"),
      action: { action_id: actionId, value, type: "button" },
      body: { user: { id: user } },
      respond: async (msg: Record<string, unknown>) => {
        calls.push("respond");
        replies.push(msg);
      },
    },
  };
}

describe("remediation buttons (listener unit)", () => {
  it("acks first, then asks the service with the clicking user and answers ephemerally", async () => {
    const seen: Array<[string, string, string]> = [];
    const services = {
      logger: silentLogger,
      remediation: {
        approve: async (id: string, user: string) => (seen.push(["approve", id, user]), { ok: true, message: "Running *Roll back*" }),
        reject: async (id: string, user: string) => (seen.push(["reject", id, user]), { ok: true, message: "Dismissed" }),
      },
    } as unknown as Services;
    const { app, handlers } = fakeApp();
    registerRemediationActions(app, services);
    expect([...handlers.keys()].sort()).toEqual([ACTION.remediationApprove, ACTION.remediationReject].sort());

    const approve = click(ACTION.remediationApprove, "act-1", "U_ALICE");
    await handlers.get(ACTION.remediationApprove)!(approve.args);
    expect(approve.calls).toEqual(["ack", "respond"]);
    expect(approve.replies).toEqual([{ response_type: "ephemeral", replace_original: false, text: "Running *Roll back*" }]);

    const reject = click(ACTION.remediationReject, "act-2", "U_BOB");
    await handlers.get(ACTION.remediationReject)!(reject.args);
    expect(seen).toEqual([
      ["approve", "act-1", "U_ALICE"],
      ["reject", "act-2", "U_BOB"],
    ]);
  });

  it("a refused click becomes a friendly ephemeral warning, still after the ack", async () => {
    const services = {
      logger: silentLogger,
      remediation: {
        approve: async () => {
          throw new AppError("not_approver", "You can't approve this.");
        },
      },
    } as unknown as Services;
    const { app, handlers } = fakeApp();
    registerRemediationActions(app, services);
    const c = click(ACTION.remediationApprove, "act-1", "U_BOB");
    await handlers.get(ACTION.remediationApprove)!(c.args);
    expect(c.calls).toEqual(["ack", "respond"]);
    expect(c.replies[0]).toMatchObject({ response_type: "ephemeral", text: ":warning: You can't approve this." });
  });
});
