import { describe, expect, it } from "vitest";
import { createLogger } from "../../src/log.ts";
import { prettyLine } from "../../src/log-format.ts";

function capture(isTTY: boolean) {
  const lines: string[] = [];
  return { lines, destination: { isTTY, write: (l: string) => lines.push(l) } };
}

/** Every key of a JSON object line, in order, duplicates included (JSON.parse would hide them). */
function keysOf(line: string): string[] {
  return [...line.matchAll(/[{,]"([^"]+)":/g)].map((m) => m[1]!);
}

describe("log lines", () => {
  it("JSON lines name each key once: nested components and repeated fields keep the innermost value", () => {
    const out = capture(false);
    const logger = createLogger({ format: "json", destination: out.destination });
    logger.child({ component: "sync" }).child({ component: "jira-sync", incident: "INC-1" }).info({ incident: "INC-1", issue: "OPS-1", pid: 42 }, "jira ticket created");
    expect(out.lines).toHaveLength(1);
    const keys = keysOf(out.lines[0]!);
    expect(keys.length).toBeGreaterThan(5);
    expect(keys.filter((k, i) => keys.indexOf(k) !== i)).toEqual([]);
    expect(JSON.parse(out.lines[0]!)).toMatchObject({ component: "jira-sync", incident: "INC-1", issue: "OPS-1", msg: "jira ticket created" });
  });

  it("auto: readable lines on a terminal, JSON otherwise", () => {
    const tty = capture(true);
    createLogger({ destination: tty.destination }).child({ component: "sandbox" }).info({ url: "http://127.0.0.1:3001" }, "sandbox Slack workspace is up");
    expect(tty.lines[0]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} \u001b\[36mINFO \u001b\[0m \[sandbox\] sandbox Slack workspace is up {2}url=http:\/\/127\.0\.0\.1:3001\n$/);
    const pipe = capture(false);
    createLogger({ destination: pipe.destination }).info("x");
    expect(JSON.parse(pipe.lines[0]!)).toMatchObject({ level: 30, msg: "x", name: "aisre" });
    // LOG_FORMAT=json on a terminal still writes JSON.
    const forced = capture(true);
    createLogger({ format: "json", destination: forced.destination }).info("y");
    expect(JSON.parse(forced.lines[0]!).msg).toBe("y");
  });

  it("pretty lines quote values with spaces, show an error's message and indent its stack", () => {
    const out = capture(false);
    createLogger({ format: "pretty", destination: out.destination }).error({ err: new Error("boom"), path: "/slack/events", note: "two words" }, "request failed");
    const [head, ...stack] = out.lines[0]!.trimEnd().split("\n");
    expect(head).toMatch(/ERROR request failed {2}err=boom path=\/slack\/events note="two words"$/);
    expect(stack[0]).toMatch(/^ {4}Error: boom/);
    expect(stack.length).toBeGreaterThan(1);
  });

  it("passes through what is not a JSON line", () => {
    expect(prettyLine("plain text\n")).toBe("plain text\n");
  });
});
