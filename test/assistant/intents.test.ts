import { describe, expect, it } from "vitest";
import { parseQuestion, type ParsedQuestion } from "../../src/assistant/intents.ts";

const SERVICES = ["frontend", "checkout", "payments", "inventory", "cart", "catalog", "search", "order-processor", "orders-db", "cache", "queue", "reporting", "payment-provider"];

/** Phrasings as people type them in a thread at 3 a.m.: typos, shorthand, different wordings. */
const CASES: Array<[string, Partial<ParsedQuestion>]> = [
  ["what changed in the last hour?", { intent: "changes", windowMinutes: 60 }],
  ["What has changed recently?", { intent: "changes" }],
  ["any recent deploys?", { intent: "changes" }],
  ["any deploys in the last 30 minutes", { intent: "changes", windowMinutes: 30 }],
  ["what got deployed today", { intent: "changes", windowMinutes: 1440 }],
  ["wat chnaged", { intent: "changes" }],
  ["did someone ship something to inventory?", { intent: "changes", service: "inventory" }],
  ["latest releases for checkout", { intent: "changes", service: "checkout" }],
  ["recent rollouts", { intent: "changes" }],
  ["show me checkout's error rate", { intent: "metric", service: "checkout", metric: "errors" }],
  ["show me the error rate of checkout", { intent: "metric", service: "checkout", metric: "errors" }],
  ["graph payments latency", { intent: "metric", service: "payments", metric: "latency" }],
  ["chart memory for order-processor", { intent: "metric", service: "order-processor", metric: "memory" }],
  ["plot orders-db cpu", { intent: "metric", service: "orders-db", metric: "cpu" }],
  ["show checkout p99", { intent: "metric", service: "checkout", metric: "latency" }],
  ["show me traffic on frontend", { intent: "metric", service: "frontend", metric: "traffic" }],
  ["shwo me checkuot errors", { intent: "metric", service: "checkout", metric: "errors" }],
  ["inventory 5xx graph pls", { intent: "metric", service: "inventory", metric: "errors" }],
  ["is payments healthy?", { intent: "health", service: "payments" }],
  ["is payments ok", { intent: "health", service: "payments" }],
  ["is paymnets healthly?", { intent: "health", service: "payments" }],
  ["how is checkout doing", { intent: "health", service: "checkout" }],
  ["how's the cart looking?", { intent: "health", service: "cart" }],
  ["status of inventory", { intent: "health", service: "inventory" }],
  ["is frontend down?", { intent: "health", service: "frontend" }],
  ["health of orders-db", { intent: "health", service: "orders-db" }],
  ["search?", { intent: "health", service: "search" }],
  ["why do you think it's the database?", { intent: "why", subject: "database" }],
  ["why do you think it is inventory", { intent: "why", subject: "inventory" }],
  ["what makes you say it's payments?", { intent: "why" }],
  ["what's the evidence for that", { intent: "why" }],
  ["how do you know?", { intent: "why" }],
  ["why did you blame the cache", { intent: "why" }],
  ["who is on call?", { intent: "oncall" }],
  ["who's oncall for payments", { intent: "oncall", service: "payments" }],
  ["who should I page?", { intent: "oncall" }],
  ["who is on-call for checkout right now", { intent: "oncall", service: "checkout" }],
  ["who owns inventory", { intent: "oncall", service: "inventory" }],
  ["who do i escalate to", { intent: "oncall" }],
  ["have we seen this before?", { intent: "similar" }],
  ["has this happened before", { intent: "similar" }],
  ["any similar incidents?", { intent: "similar" }],
  ["past outages like this?", { intent: "similar" }],
  ["is this a recurring problem", { intent: "similar" }],
  ["what should I do?", { intent: "next_steps" }],
  ["what do we do now", { intent: "next_steps" }],
  ["next steps?", { intent: "next_steps" }],
  ["how do we fix this", { intent: "next_steps" }],
  ["how can we mitigate", { intent: "next_steps" }],
  ["what do you recommend", { intent: "next_steps" }],
  ["is there a runbook for this", { intent: "next_steps" }],
  ["summarise this for the status page", { intent: "summary", audience: "status_page" }],
  ["summarize for leadership", { intent: "summary", audience: "leadership" }],
  ["write an update for customers", { intent: "summary", audience: "status_page" }],
  ["give me an update for the execs", { intent: "summary", audience: "leadership" }],
  ["tl;dr?", { intent: "summary", audience: "responders" }],
  ["summary please", { intent: "summary" }],
  ["sumarise this", { intent: "summary" }],
  ["timeline so far", { intent: "timeline" }],
  ["what happened so far?", { intent: "timeline" }],
  ["give me the sequence of events", { intent: "timeline" }],
  ["timline", { intent: "timeline" }],
  ["help", { intent: "help" }],
  ["what can you do", { intent: "help" }],
  ["tell me a joke", { intent: "unknown" }],
  ["banana", { intent: "unknown" }],
];

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
