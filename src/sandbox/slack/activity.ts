/**
 * How busy the bot is, as seen from the workspace: requests delivered to it that have not been
 * answered yet and Web API calls it is making. User actions in the control API wait until the bot
 * has been quiet for a moment before they report what the user saw.
 */
export class BotActivity {
  private inFlight = 0;
  private last = Date.now();

  /** Marks the start of something the bot is doing; call the returned function when it ends. */
  begin(): () => void {
    this.inFlight++;
    this.last = Date.now();
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.inFlight--;
      this.last = Date.now();
    };
  }

  touch(): void {
    this.last = Date.now();
  }

  get busy(): boolean {
    return this.inFlight > 0;
  }

  /** Milliseconds since anything started or ended. */
  quietFor(now = Date.now()): number {
    return now - this.last;
  }
}
