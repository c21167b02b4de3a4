import { describe, expect, it } from "vitest";
import { incidentNamed, streamPieces, threadTitle, workingStatus } from "../../src/assistant/assistant-surface.ts";
import { parseQuestion } from "../../src/assistant/intents.ts";
import { mrkdwnToMarkdown } from "../../src/text/slack-markup.ts";

const known = ["checkout", "payments", "inventory"];

describe("the assistant container's pure parts", () => {
  it("says what it reads while it works, by question", () => {
    expect(workingStatus(parseQuestion("how is checkout doing?", known))).toBe("Reading checkout's metrics…");
    expect(workingStatus(parseQuestion("Who's on call for payments?", known))).toBe("Looking up who's on call for payments…");
    expect(workingStatus(parseQuestion("what changed?", known))).toBe("Checking recent deploys and changes…");
    expect(workingStatus(parseQuestion("zzz", known))).toBe("Looking into it…");
  });

  it("titles a thread with its first question, on one line and cut", () => {
    expect(threadTitle("  what's\n on fire? ")).toBe("what's on fire?");
    const long = threadTitle("x".repeat(200));
    expect(long).toHaveLength(80);
    expect(long.endsWith("…")).toBe(true);
  });

  it("finds the incident a question names by its service, only when there is one", () => {
    const q = parseQuestion("Summarise the checkout incident", known);
    expect(
      incidentNamed(q, [
        { id: "i1", services: ["checkout"] },
        { id: "i2", services: ["payments"] },
      ]),
    ).toBe("i1");
    expect(
      incidentNamed(q, [
        { id: "i1", services: ["checkout"] },
        { id: "i3", services: ["checkout", "inventory"] },
      ]),
    ).toBeUndefined();
    expect(incidentNamed(parseQuestion("what's on fire?", known), [{ id: "i1", services: ["checkout"] }])).toBeUndefined();
  });

  it("streams long answers in pieces at line breaks, losing nothing", () => {
    const text = Array.from({ length: 30 }, (_, i) => `line ${i} ${"y".repeat(40)}`).join("\n");
    const pieces = streamPieces(text, 200);
    expect(pieces.length).toBeGreaterThan(5);
    expect(pieces.join("")).toBe(text);
    expect(pieces.every((p) => p.length <= 200)).toBe(true);
  });

  it("turns the product's mrkdwn into markdown, keeping escaped outside text inert", () => {
    expect(mrkdwnToMarkdown("*checkout* is <https://x.example/a|the dashboard> ~old~")).toBe("**checkout** is [the dashboard](https://x.example/a) ~~old~~");
    expect(mrkdwnToMarkdown("a `*not bold*` b")).toBe("a `*not bold*` b");
    // An alert label that tried to be a link stays escaped text.
    expect(mrkdwnToMarkdown("&lt;https://evil|click&gt; <@U123>")).toBe("&lt;https://evil|click&gt; <@U123>");
  });
});
