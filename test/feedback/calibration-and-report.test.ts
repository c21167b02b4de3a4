import { describe, expect, it } from "vitest";
import { diagnose } from "../../src/diagnose/engine.ts";
import { applyFeedbackCalibration, fitFeedbackCalibration, MAX_SHIFT, NO_CALIBRATION, PRIOR } from "../../src/diagnose/feedback-calibration.ts";
import { sockShopCases } from "../../src/diagnose/sockshop.ts";
import { GRADE_SCORES, gradeOfScore, incidentScore, parseFeedbackValue, feedbackValue } from "../../src/domain/grades.ts";
import { calibrationPairs, feedbackReport, gradedIncidents } from "../../src/feedback/report.ts";
import type { CauseGrade } from "../../src/store/repos/feedback.ts";

const g = (incidentId: string, userId: string, grade: CauseGrade["grade"], confidence?: number): CauseGrade => ({ incidentId, userId, grade, score: GRADE_SCORES[grade], ...(confidence !== undefined ? { confidence } : {}), at: "2026-12-05T10:00:00.000Z" });

describe("grades", () => {
  it("score as incident.io does, and 'no idea' does not count against the cause", () => {
    expect(GRADE_SCORES).toEqual({ right: 100, partly: 65, wrong: 35, unknown: 0 });
    expect(incidentScore(["right", "partly"])).toBe(83);
    expect(incidentScore(["right", "unknown"])).toBe(100);
    expect(incidentScore(["unknown"])).toBe(0);
    expect(incidentScore([])).toBeUndefined();
    expect(gradeOfScore(83, true)).toBe("right");
    expect(gradeOfScore(50, true)).toBe("partly");
    expect(gradeOfScore(0, false)).toBe("unknown");
  });

  it("feedback button values round-trip and refuse anything else", () => {
    expect(parseFeedbackValue(feedbackValue("negative", "diagnosis", "INC-7"))).toEqual({ sentiment: "negative", subject: "diagnosis", incidentId: "INC-7" });
    expect(parseFeedbackValue(feedbackValue("positive", "answer"))).toEqual({ sentiment: "positive", subject: "answer" });
    expect(parseFeedbackValue("positive|poem|")).toBeUndefined();
    expect(parseFeedbackValue("up|answer|")).toBeUndefined();
    expect(parseFeedbackValue(undefined)).toBeUndefined();
  });
});

describe("the calibration learns from grades", () => {
  it("no grades: no correction", () => {
    expect(fitFeedbackCalibration([])).toEqual(NO_CALIBRATION);
    expect(applyFeedbackCalibration([0.8, 0.1, 0.1], NO_CALIBRATION)).toEqual([0.8, 0.1, 0.1]);
  });

  it("over-confident answers graded wrong pull the leader down, more with more grades, never past the bound", () => {
    const few = fitFeedbackCalibration(Array.from({ length: 3 }, () => ({ confidence: 0.9, outcome: 0 })));
    const many = fitFeedbackCalibration(Array.from({ length: 40 }, () => ({ confidence: 0.9, outcome: 0.2 })));
    expect(few.shift).toBeLessThan(0);
    expect(many.shift).toBeLessThan(few.shift);
    expect(many.shift).toBeGreaterThanOrEqual(-MAX_SHIFT);
    expect(few.n).toBe(3);
    // Shrunk towards 0 by n / (n + PRIOR).
    const raw = fitFeedbackCalibration(Array.from({ length: 1000 }, () => ({ confidence: 0.6, outcome: 0.5 })));
    const one = fitFeedbackCalibration([{ confidence: 0.6, outcome: 0.5 }]);
    expect(one.shift / raw.shift).toBeCloseTo(1 / (1 + PRIOR) / (1000 / (1000 + PRIOR)), 3);
    const [lead, ...rest] = applyFeedbackCalibration([0.8, 0.15, 0.05], many);
    expect(lead).toBeLessThan(0.8);
    // The others share what is left in the same proportions.
    expect((rest[0] ?? 0) / (rest[1] ?? 1)).toBeCloseTo(3, 6);
    expect((lead ?? 0) + (rest[0] ?? 0) + (rest[1] ?? 0)).toBeCloseTo(1, 6);
  });

  it("cautious answers graded right push the leader up, capped at the engine's ceiling", () => {
    const cal = fitFeedbackCalibration(Array.from({ length: 30 }, () => ({ confidence: 0.5, outcome: 1 })));
    expect(cal.shift).toBeGreaterThan(0);
    const [lead] = applyFeedbackCalibration([0.5, 0.5], cal);
    expect(lead).toBeGreaterThan(0.5);
    expect(applyFeedbackCalibration([0.94], cal)[0]).toBeLessThanOrEqual(0.95);
  });

  it("the engine ranks the same and states the corrected confidence (and says so)", () => {
    const c = sockShopCases(1)[0]!;
    const plain = diagnose(c.input);
    const cal = fitFeedbackCalibration(Array.from({ length: 20 }, () => ({ confidence: 0.9, outcome: 0 })));
    const graded = diagnose({ ...c.input, options: { ...c.input.options, feedback: cal } });
    expect(graded.hypotheses.map((h) => h.service)).toEqual(plain.hypotheses.map((h) => h.service));
    expect(graded.hypotheses[0]!.confidence).toBeLessThan(plain.hypotheses[0]!.confidence);
    expect(graded.notes.join(" ")).toMatch(/corrected by 20 graded incidents/);
    expect(graded.headline).toContain(`${Math.round(graded.hypotheses[0]!.confidence * 100)} %`);
  });
});

describe("feedback report", () => {
  const grades = [g("INC-1", "U_ALICE", "right", 0.8), g("INC-1", "U_BOB", "partly", 0.8), g("INC-2", "U_ALICE", "wrong", 0.9), g("INC-3", "U_CAROL", "unknown", 0.4), g("INC-4", "U_CAROL", "right")];
  it("counts grades and incidents, bins stated confidence against outcome, and leaves 'no idea' and unstated confidence out of calibration", () => {
    const graded = gradedIncidents(grades);
    expect(graded.find((x) => x.incidentId === "INC-1")).toMatchObject({ score: 83, outcome: 0.75, confidence: 0.8 });
    expect(graded.find((x) => x.incidentId === "INC-3")?.outcome).toBeUndefined();
    expect(calibrationPairs(graded)).toEqual([
      { confidence: 0.8, outcome: 0.75 },
      { confidence: 0.9, outcome: 0 },
    ]);
    const r = feedbackReport(grades, [
      { channel: "C1", messageTs: "1", userId: "U_ALICE", subject: "answer", sentiment: "positive", at: "" },
      { channel: "C1", messageTs: "2", userId: "U_ALICE", subject: "diagnosis", sentiment: "negative", at: "" },
    ]);
    expect(r.incidents).toEqual({ graded: 4, meanScore: Math.round((83 + 35 + 0 + 100) / 4), byGrade: { right: 2, partly: 1, wrong: 1, unknown: 1 } });
    expect(r.ratings).toEqual({ answer: { positive: 1, negative: 0 }, diagnosis: { positive: 0, negative: 1 } });
    expect(r.calibration.bins).toEqual([{ from: 0.8, to: 1, incidents: 2, statedMean: expect.closeTo(0.85, 6), observedMean: 0.375 }]);
    expect(r.calibration.feedback.n).toBe(2);
    expect(r.calibration.feedback.shift).toBeLessThan(0);
  });
});
