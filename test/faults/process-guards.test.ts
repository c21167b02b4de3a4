import { describe, expect, it } from "vitest";
import { runNode } from "../support/process.ts";

const script = (guarded: boolean) => `
import { createLogger } from "./src/log.ts";
${guarded ? 'import { installProcessGuards } from "./handlers/process-guards.ts";\ninstallProcessGuards(createLogger({ level: "error" }));' : ""}
void Promise.reject(new Error("nobody awaited this"));
setTimeout(() => { process.stdout.write("still serving\\n"); process.exit(0); }, 300);
`;

describe("process guards (handlers/main.ts)", () => {
  it("keep the process running after a promise rejection nobody awaited, and log it", async () => {
    const run = runNode(["--input-type=module", "-e", script(true)], {});
    expect(await run.exited).toBe(0);
    expect(run.output()).toContain("still serving");
    expect(run.output()).toContain("unhandled promise rejection; kept running");
    expect(run.output()).toContain("nobody awaited this");
  });

  it("are needed: without them Node ends the process", async () => {
    const run = runNode(["--input-type=module", "-e", script(false)], {});
    expect(await run.exited).not.toBe(0);
    expect(run.output()).not.toContain("still serving");
  });
});
