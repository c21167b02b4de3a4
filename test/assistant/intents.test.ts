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
