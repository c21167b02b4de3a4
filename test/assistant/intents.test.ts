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
