/**
 * Plain-English helpers for everything the product says: one way to count things ("1 service",
 * "3 services"), to make a name possessive ("payments' logs", "checkout's"), to agree a verb with a
 * count ("1 service shows", "2 services show") and to say how a value compares with its usual level.
 */

const IRREGULAR: Record<string, string> = {
  entry: "entries",
  query: "queries",
  policy: "policies",
  dependency: "dependencies",
  replica: "replicas",
  is: "are",
  was: "were",
  has: "have",
  does: "do",
};

/** The plural of a noun (regular English, plus the irregular ones the product uses). */
export function pluralOf(one: string): string {
  if (IRREGULAR[one]) return IRREGULAR[one];
  if (/[^aeiou]y$/.test(one)) return `${one.slice(0, -1)}ies`;
  if (/(s|x|z|ch|sh)$/.test(one)) return `${one}es`;
  return `${one}s`;
}

/** "1 service", "3 services", "0 alerts". */
export function plural(n: number, one: string, many: string = pluralOf(one)): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** The noun alone, agreed with a count: noun(1, "pod") = "pod", noun(2, "pod") = "pods". */
export function noun(n: number, one: string, many: string = pluralOf(one)): string {
  return n === 1 ? one : many;
}

/** A present-tense verb agreed with a count: verb(1, "shows") = "shows", verb(2, "shows") = "show". */
export function verb(n: number, singular: string): string {
  if (n === 1) return singular;
  if (IRREGULAR[singular]) return IRREGULAR[singular];
  if (singular.endsWith("ies")) return `${singular.slice(0, -3)}y`;
  if (/(ss|x|z|ch|sh)es$/.test(singular)) return singular.slice(0, -2);
  return singular.replace(/s$/, "");
}

/** "checkout's", "payments'" (a name ending in s takes the apostrophe alone). */
export function possessive(name: string): string {
  return /s$/i.test(name) ? `${name}'` : `${name}'s`;
}

/** "a", "a and b", "a, b and c". */
export function listWords(items: readonly string[]): string {
  if (items.length <= 1) return items[0] ?? "";
  return `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
}

const trim = (s: string) => (s.includes(".") ? s.replace(/\.?0+$/, "") : s);

/**
 * How a value compares with its usual level, as an on-call engineer would say it: "5× the usual",
 * "+40 % over the usual", "half the usual", "a tenth of the usual". Undefined when the usual level is
 * zero or unknown (then there is no ratio to speak of).
 */
export function comparedWithUsual(value: number, usual: number): string | undefined {
  if (!Number.isFinite(value) || !Number.isFinite(usual) || usual === 0 || Math.sign(value) !== Math.sign(usual)) return undefined;
  const r = value / usual;
  if (r >= 1.95) return `${trim(r >= 10 ? r.toFixed(0) : r.toFixed(1))}× the usual`;
  if (r >= 1.05) return `+${Math.round((r - 1) * 100)} % over the usual`;
  if (r > 0.95) return "about the usual";
  if (r >= 0.4) return `${Math.round((1 - r) * 100)} % below the usual`;
  return `${trim((r * 100).toPrecision(2))} % of the usual`;
}

/**
 * The one way a runbook match is shown, wherever it appears (evidence, the card, answers):
 * the title and how well it matches in words, not a percentage that differs between rankers.
 */
export function runbookMatch(title: string, score: number): string {
  const how = score >= 0.75 ? "strong match" : score >= 0.5 ? "good match" : "partial match";
  return `runbook "${title}" (${how})`;
}
