import { describe, expect, it } from "vitest";
import { spanText } from "../../src/text/spans.ts";

describe("spanText", () => {
  it("says seconds under a minute, minutes up to 90, then hours; the sign is the caller's", () => {
    expect(spanText(15)).toBe("15 s");
    expect(spanText(-15)).toBe("15 s");
    expect(spanText(59.4)).toBe("59 s");
    expect(spanText(59.6)).toBe("1 min");
    expect(spanText(150)).toBe("3 min");
    expect(spanText(89 * 60)).toBe("89 min");
    expect(spanText(90 * 60)).toBe("1.5 h");
  });
});
