import type OpenAI from "openai";
import { type Redactor, sharedRedactor } from "../../redact/redactor.ts";

/** Text → vectors. The real adapter is the OpenAI embeddings API (or any compatible server); what it sends is redacted (secrets and personal data). */
export interface Embedder {
  readonly model: string;
  embed(texts: string[]): Promise<number[][]>;
}

export class OpenAIEmbedder implements Embedder {
  readonly model: string;
  private readonly client: OpenAI;
  private readonly redact: (text: string) => string;
  /** `client`: the one OpenAI client the composition root builds; this narrows its timeout and retries. */
  constructor(options: { client: OpenAI; model: string; timeoutMs?: number; redactor?: Redactor }) {
    this.model = options.model;
    const redactor = options.redactor ?? sharedRedactor();
    this.redact = (t) => redactor.text(t, "all");
    this.client = options.client.withOptions({ timeout: options.timeoutMs ?? 20_000, maxRetries: 2 });
  }

  async embed(texts: string[]): Promise<number[][]> {
    const out: number[][] = [];
    // The API takes up to 2,048 inputs per request; runbooks are few, so small batches are fine.
    for (let i = 0; i < texts.length; i += 64) {
      const res = await this.client.embeddings.create({ model: this.model, input: texts.slice(i, i + 64).map((t) => this.redact(t.slice(0, 24_000))) });
      for (const d of [...res.data].sort((a, b) => a.index - b.index)) out.push(d.embedding);
    }
    return out;
  }
}
