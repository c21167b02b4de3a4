import { describe, expect, it } from "vitest";
import { causeGradeMessage } from "../../blocks/feedback.ts";
import { plainFeedbackPresenter } from "../../src/feedback/presenter.ts";

describe('"Was this the cause?"', () => {
  const view = { incidentId: "INC-1", service: "inventory", cause: "inventory: the deploy 2.3.0 (inventory 2.3.0 is live)", confidence: 0.91, grades: [] };

  it("names the service once when the cause already starts with it (seen in the walk: 'inventory: inventory: the deploy')", () => {
    const m = causeGradeMessage(view);
    expect(m.text).toBe("Was this the cause? inventory: the deploy 2.3.0 (inventory 2.3.0 is live)");
    expect(JSON.stringify(m.blocks)).toContain("*inventory*: _the deploy 2.3.0 (inventory 2.3.0 is live)_ (91 %)");
    expect(plainFeedbackPresenter.causeGrade(view).text).toBe("Was this the cause? inventory: the deploy 2.3.0 (inventory 2.3.0 is live) (91 %)");
  });

  it("keeps a cause that does not start with its service as it is", () => {
    const m = causeGradeMessage({ ...view, cause: "orders-db: runaway query", service: "checkout" });
    expect(m.text).toBe("Was this the cause? checkout: orders-db: runaway query");
  });
});
