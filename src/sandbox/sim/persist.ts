import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "../../log.ts";

/**
 * The simulation's state in the sandbox's data folder, so a restarted sandbox continues the same
 * world instead of a new one. The world is deterministic given its seed, its start and what was
 * done to it, at which step: `simulation.json` keeps the first two with where the clock stood
 * (steps taken, the wall-clock anchor of the real-time clock) and the webhooks not yet delivered;
 * `simulation-inputs.jsonl` keeps every input (scenario started or stopped, a change through the
 * Kubernetes API or a sim hook) with the step it came at, appended as it happens. A restart
 * rebuilds the world by taking the same steps and applying the same inputs at the same steps.
 */

/** Something done to the world, and the step count when it was done (it comes before that step). */
export type SimInput = { step: number; kind: "scenario"; op: "start" | "stop"; name: string; overlap?: boolean } | { step: number; kind: "http"; method: string; url: string; headers: Record<string, string>; body: string };

export interface SimState {
  version: 1;
  seed: number;
  /** The simulated start (ms): healthy history before it, then the running world. */
  start: number;
  historyMs: number;
  speed: number;
  /** The bearer token the simulated API server accepts (kept, so the kubeconfig stays valid). */
  token: string;
  /** Steps taken so far (history included). */
  steps: number;
  /** Simulated ms advanced but not yet a whole step. */
  remainder: number;
  /** The real-time clock's anchor: simulated time `simBase` at wall time `realBase`. */
  anchor?: { realBase: number; simBase: number };
  /** Webhooks queued and not yet delivered. */
  deliveries: Array<{ kind: "alertmanager" | "github"; url: string; body: string; headers: Record<string, string> }>;
}

export class SimulationFiles {
  readonly stateFile: string;
  readonly inputsFile: string;
  private readonly logger?: Logger;

  constructor(dir: string, logger?: Logger) {
    mkdirSync(dir, { recursive: true });
    this.stateFile = join(dir, "simulation.json");
    this.inputsFile = join(dir, "simulation-inputs.jsonl");
    this.logger = logger;
  }

  /** The saved simulation, when there is a readable one. */
  load(): { state: SimState; inputs: SimInput[] } | undefined {
    if (!existsSync(this.stateFile)) return undefined;
    try {
      const state = JSON.parse(readFileSync(this.stateFile, "utf8")) as SimState;
      if (state.version !== 1) return undefined;
      const inputs: SimInput[] = [];
      if (existsSync(this.inputsFile)) {
        for (const line of readFileSync(this.inputsFile, "utf8").split("\n")) {
          if (!line.trim()) continue;
          try {
            inputs.push(JSON.parse(line) as SimInput);
          } catch {
            // A line cut short by a crash while it was written: the input never took effect either.
          }
        }
      }
      return { state, inputs };
    } catch (e) {
      this.logger?.warn({ err: e, file: this.stateFile }, "sandbox simulation file unreadable; starting a new world");
      return undefined;
    }
  }

  /** Sets an incompatible saved simulation aside (another seed or start): a new world begins. */
  discard(): void {
    const suffix = `.${Date.now()}.old`;
    for (const f of [this.stateFile, this.inputsFile]) if (existsSync(f)) renameSync(f, `${f}${suffix}`);
  }

  /** Records an input as it happens (synchronously: it is in the file before it takes effect). */
  append(input: SimInput): void {
    appendFileSync(this.inputsFile, `${JSON.stringify(input)}\n`);
  }

  /** Writes where the clock stands (atomically: a temporary file renamed over the old one). */
  save(state: SimState): void {
    try {
      writeFileSync(`${this.stateFile}.tmp`, JSON.stringify(state));
      renameSync(`${this.stateFile}.tmp`, this.stateFile);
    } catch (e) {
      this.logger?.warn({ err: e, file: this.stateFile }, "sandbox simulation not saved");
    }
  }
}
