import { Worker } from "node:worker_threads";
import type { ParsedDelivery } from "../ingest/types.ts";
import type { Logger } from "../log.ts";
import type { DoorEntry, DoorOpening, FromDoor, SpillFile, ToDoor } from "./door-messages.ts";
import type { StoredEntry } from "./door-postgres.ts";

/**
 * The main thread's handle on the webhook door's thread (door-thread.ts): it listens on the public
 * port and passes what it does not answer itself to `upstreamPort` (the main thread's server).
 */
export class DoorWorker {
  readonly port: number;
  private readonly worker: Worker;
  private readonly waiters = new Map<string, () => void>();
  private stopping = false;

  private constructor(worker: Worker, port: number) {
    this.worker = worker;
    this.port = port;
  }

  /** Starts the thread listening on `port` (0: any) and `host`; resolves once it listens. */
  static async start(o: {
    port: number;
    host: string;
    upstreamPort: number;
    logger: Logger;
    /** Deliveries the thread journaled and acknowledged, in the order it journaled them (a group at a time). */
    onEntries: (entries: DoorEntry[]) => void;
    /** On Postgres: a group of deliveries the thread stored (leased to this replica) and acknowledged, to process. */
    onStored?: (entries: StoredEntry[]) => void;
    /** The door is in a burst (`on`), or no longer: it spills what comes meanwhile (see burst.ts). */
    onBurst?: (on: boolean) => void;
    /** Spill segments (sealed, oldest first) to read back and move into the store. */
    onSpilled?: (files: SpillFile[]) => void;
    /** `n` webhooks of `source` with this outcome ("http": a webhook request, its source not yet known). */
    onCount: (source: string, outcome: string, n: number) => void;
    /**
     * The thread ended without being stopped: nothing listens on the public port any more, and what
     * it journaled but had not handed over waits for the next start. The composition root ends the
     * process (crash-only) so that its supervisor restarts it and that journal is recovered.
     */
    onDeath: (e: Error) => void;
  }): Promise<DoorWorker> {
    const worker = new Worker(new URL("./door-thread.ts", import.meta.url), { name: "door", workerData: { upstreamPort: o.upstreamPort, listenPort: o.port, host: o.host } });
    let door: DoorWorker | undefined;
    const listening = new Promise<number>((resolve, reject) => {
      worker.once("error", reject);
      worker.once("exit", (code) => reject(new Error(`the webhook door thread exited (${code}) before it listened`)));
      worker.on("message", (m: FromDoor) => {
        switch (m.t) {
          case "listening":
            return resolve(m.port);
          case "batch":
            for (const [source, outcome, n] of m.counts) o.onCount(source, outcome, n);
            if (m.entries.length > 0) o.onEntries(m.entries);
            return;
          case "stored":
            return o.onStored?.(m.entries);
          case "burst":
            return o.onBurst?.(m.on);
          case "spilled":
            return o.onSpilled?.(m.files);
          case "log":
            return o.logger[m.level](m.data, m.msg);
          case "quiet":
          case "stopped":
            door?.waiters.get(m.t)?.();
            return;
        }
      });
    });
    const port = await listening;
    worker.removeAllListeners("error");
    worker.removeAllListeners("exit");
    let failure: Error | undefined;
    worker.on("error", (e) => {
      failure = e;
      o.logger.error({ err: e }, "the webhook door thread failed");
    });
    door = new DoorWorker(worker, port);
    const d = door;
    worker.on("exit", (code) => {
      if (!d.stopping) o.onDeath(failure ?? new Error(`the webhook door thread exited (code ${code})`));
    });
    return door;
  }

  private send(m: ToDoor): void {
    this.worker.postMessage(m);
  }

  /** From now on the thread answers webhooks of these sources itself. */
  open(o: DoorOpening): void {
    this.send({ t: "open", ...o });
  }

  /** Webhooks go to the main thread again (it is draining). */
  shut(): void {
    this.send({ t: "shut" });
  }

  health(up: boolean): void {
    this.send({ t: "health", up });
  }

  clock(offsetMs: number): void {
    this.send({ t: "clock", offsetMs });
  }

  /** `n` entries of journal segment `seq` are in the store. */
  moved(seq: number, n: number): void {
    this.send({ t: "moved", seq, n });
  }

  /** `n` entries of spill segment `seq` are in the store. */
  spillMoved(seq: number, n: number): void {
    this.send({ t: "spillMoved", seq, n });
  }

  /** `n` handed-over entries are settled (stored or refused): room for as many more. */
  settled(n: number): void {
    this.send({ t: "settled", n });
  }

  /** Stops listening; resolves once every webhook it was answering is answered (and handed over). */
  quiesce(): Promise<void> {
    return this.ask({ t: "quiesce" }, "quiet");
  }

  /** Closes its journal (removing files whose entries are all moved) and ends the thread. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.ask({ t: "stop" }, "stopped");
    await this.worker.terminate();
  }

  private ask(m: ToDoor, answer: "quiet" | "stopped"): Promise<void> {
    return new Promise<void>((resolve) => {
      const onExit = () => resolve();
      this.worker.once("exit", onExit);
      this.waiters.set(answer, () => {
        this.worker.off("exit", onExit);
        resolve();
      });
      this.send(m);
    });
  }
}
