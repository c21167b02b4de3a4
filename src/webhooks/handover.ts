/** What the door thread tells the main thread in one message: journaled entries, and counts by source and outcome. */
export interface HandoverBatch<E> {
  entries: E[];
  /** [source, outcome, how many]. */
  counts: Array<[string, string, number]>;
}

/**
 * The door thread's side of its messages to the main thread, gathered: a message costs both threads
 * (a structured clone, a wake-up, an event), and a storm brings thousands of deliveries a second.
 *
 * - An entry (a delivery journaled and acknowledged) waits with its answer: both go at the end of the
 *   current turn's microtasks, when every delivery of the journal's group written in this turn has
 *   joined them, in one message — and the answers only after it, so that the main thread hears of
 *   every delivery the door acknowledged before its sender does.
 * - An answer without an entry (a duplicate, a refusal) goes out the same way, after what was gathered.
 * - A count alone waits for the next message, at most until the event loop's next check phase — or,
 *   while the door lingers (a burst: see linger), at most that long.
 *
 * `send` posts anything else (a log line, "quiet") after what is gathered, so that order holds.
 */
export class Handover<E> {
  private readonly post: (batch: HandoverBatch<E>) => void;
  private entries: E[] = [];
  private readonly counts = new Map<string, [string, string, number]>();
  private answers: Array<(posted: boolean) => void> = [];
  private soon = false;
  private later = false;
  private lingerMs = 0;

  constructor(post: (batch: HandoverBatch<E>) => void) {
    this.post = post;
  }

  /** Counts a webhook by source and outcome. */
  count(source: string, outcome: string): void {
    const key = `${source}\n${outcome}`;
    const c = this.counts.get(key);
    if (c) c[2]++;
    else this.counts.set(key, [source, outcome, 1]);
    if (!this.later && !this.soon) {
      this.later = true;
      const post = () => {
        this.later = false;
        this.flush();
      };
      if (this.lingerMs > 0) setTimeout(post, this.lingerMs);
      else setImmediate(post);
    }
  }

  /**
   * Counts alone wait up to `ms` (0: the next check phase, as usual). In a burst the door answers
   * thousands a second and nothing waits on its counts: a message per event-loop turn cost the door
   * 6-12 % of its CPU (posting, cloning) and the main thread as much to take them.
   */
  linger(ms: number): void {
    this.lingerMs = ms;
  }

  /** Hands an entry over; `answer` is called once it is posted (`posted` false: the message could not be posted). */
  entry(e: E, answer: (posted: boolean) => void): void {
    this.entries.push(e);
    this.answer(answer);
  }

  /** Calls `answer` once what is gathered so far is posted. */
  answer(answer: (posted: boolean) => void): void {
    this.answers.push(answer);
    if (!this.soon) {
      this.soon = true;
      queueMicrotask(() => {
        this.soon = false;
        this.flush();
      });
    }
  }

  /** Posts what is gathered (if anything), then gives the answers that waited for it. */
  flush(): void {
    let posted = true;
    if (this.entries.length > 0 || this.counts.size > 0) {
      const batch: HandoverBatch<E> = { entries: this.entries, counts: [...this.counts.values()] };
      this.entries = [];
      this.counts.clear();
      try {
        this.post(batch);
      } catch {
        posted = false;
      }
    }
    const answers = this.answers;
    this.answers = [];
    for (const a of answers) a(posted);
  }
}
