import { describe, expect, it } from "vitest";
import { parseQuestion } from "../../src/assistant/intents.ts";
import { CASES, SERVICES } from "./phrasings.ts";

describe("deterministic intent router", () => {
  it("has a test set of at least 60 phrasings", () => {
    expect(CASES.length).toBeGreaterThanOrEqual(60);
  });

  for (const [text, expected] of CASES) {
    it(`"${text}" → ${expected.intent}`, () => {
      expect(parseQuestion(text, SERVICES)).toMatchObject(expected);
    });
  }
});

describe('"what\'s on fire?"', () => {
  const onFire = ["What's on fire?", "whats on fire", "anything on fire right now?", "what is burning", "any open incidents?", "are there any incidents", "list the active incidents", "what's firing?"];
  for (const text of onFire) {
    it(`"${text}" → on_fire`, () => {
      expect(parseQuestion(text, SERVICES).intent).toBe("on_fire");
    });
  }
  it("about one service, it is that service's health", () => {
    expect(parseQuestion("is checkout on fire?", SERVICES)).toMatchObject({ intent: "health", service: "checkout" });
  });
  it("does not take similar-incident or health questions", () => {
    expect(parseQuestion("any similar incidents?", SERVICES).intent).toBe("similar");
    expect(parseQuestion("is frontend down?", SERVICES).intent).toBe("health");
  });
});

describe("a question of two clauses", () => {
  it("asks two things when its clauses ask different ones; words joined by 'and' stay one question", () => {
    expect(parseQuestion("who is on call and what should I do?", SERVICES)).toMatchObject({ intent: "oncall", also: { intent: "next_steps" } });
    expect(parseQuestion("why is checkout failing? what changed?", SERVICES)).toMatchObject({ intent: "why", service: "checkout", also: { intent: "changes" } });
    expect(parseQuestion("show me checkout errors and latency", SERVICES).also).toBeUndefined();
    expect(parseQuestion("what changed and when", SERVICES).also).toBeUndefined();
    // The same thing asked twice is one question.
    expect(parseQuestion("what changed? any deploys?", SERVICES).also).toBeUndefined();
  });
});

describe("a why about a symptom", () => {
  it("asks for its cause, and names no suspect (a walk: 'I do not think it is *checkout failing*')", () => {
    const q = parseQuestion("why is checkout failing?", SERVICES);
    expect(q).toMatchObject({ intent: "why", service: "checkout" });
    expect(q.subject).toBeUndefined();
    expect(parseQuestion("why do you think it's the database?", SERVICES).subject).toBe("database");
  });
});
