/**
 * Atlassian Document Format (ADF): the rich-text JSON that Jira REST v3 uses for descriptions,
 * comments and multi-line text fields. aisre only writes plain text, so it needs the two plain
 * conversions: text → ADF (paragraphs split on blank lines, single newlines as hard breaks) and
 * ADF → text (for reading what humans wrote).
 */

export interface AdfNode {
  type: string;
  text?: string;
  attrs?: Record<string, unknown>;
  content?: AdfNode[];
  marks?: Array<{ type: string; attrs?: Record<string, unknown> }>;
}

export interface AdfDoc extends AdfNode {
  type: "doc";
  version: 1;
  content: AdfNode[];
}

export function isAdfDoc(value: unknown): value is AdfDoc {
  return typeof value === "object" && value !== null && (value as { type?: unknown }).type === "doc" && Array.isArray((value as { content?: unknown }).content);
}

export function textToAdf(text: string): AdfDoc {
  const paragraphs = text.replace(/\r\n/g, "\n").split(/\n{2,}/);
  const content: AdfNode[] = [];
  for (const para of paragraphs) {
    if (para.trim() === "") continue;
    const inline: AdfNode[] = [];
    para.split("\n").forEach((line, i) => {
      if (i > 0) inline.push({ type: "hardBreak" });
      if (line !== "") inline.push({ type: "text", text: line });
    });
    content.push({ type: "paragraph", content: inline });
  }
  return { type: "doc", version: 1, content };
}

const TEXT_BLOCKS = new Set(["paragraph", "heading", "codeBlock"]);

function inlineText(node: AdfNode): string {
  switch (node.type) {
    case "text":
      return node.text ?? "";
    case "hardBreak":
      return "\n";
    case "mention":
      return String(node.attrs?.text ?? node.attrs?.id ?? "");
    case "emoji":
      return String(node.attrs?.text ?? node.attrs?.shortName ?? "");
    case "inlineCard":
    case "blockCard":
      return String(node.attrs?.url ?? "");
    case "date":
      return node.attrs?.timestamp ? new Date(Number(node.attrs.timestamp)).toISOString().slice(0, 10) : "";
    case "status":
      return String(node.attrs?.text ?? "");
    default:
      return (node.content ?? []).map(inlineText).join("");
  }
}

function blockLines(node: AdfNode, out: string[]): void {
  switch (node.type) {
    case "bulletList":
    case "orderedList":
      (node.content ?? []).forEach((item, i) => {
        const inner: string[] = [];
        for (const child of item.content ?? []) blockLines(child, inner);
        const prefix = node.type === "orderedList" ? `${i + 1}. ` : "- ";
        out.push(prefix + inner.join("\n"));
      });
      return;
    case "rule":
      out.push("---");
      return;
    default:
      // Containers (blockquote, panel, table, expand…) hold blocks: flatten them.
      if (!TEXT_BLOCKS.has(node.type) && node.content?.some((c) => c.type !== "text")) {
        for (const child of node.content) blockLines(child, out);
        return;
      }
      out.push(inlineText(node));
  }
}

/** Plain text of an ADF document (or of a string, which is returned as is). */
export function adfToText(value: unknown): string {
  if (typeof value === "string") return value;
  if (!isAdfDoc(value)) return "";
  const lines: string[] = [];
  for (const block of value.content) blockLines(block, lines);
  return lines.join("\n\n");
}
