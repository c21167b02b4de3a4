import { stemmer } from "stemmer";

/**
 * Terms for knowledge search: words split at punctuation and camelCase ("KubePodCrashLooping" →
 * kube, pod, crash, loop), lower-cased, stop words dropped, Porter-stemmed. Pure.
 */

const STOP = new Set(
  (
    "a an and are as at be been but by can could did do does for from had has have how i if in into is it its " +
    "may more most no not of on or our so some such than that the their then there these this those to too " +
    "was we were what when where which while who why will with would you your than via per over under after before " +
    "since during last minutes minute min hours hour seconds second mins hrs"
  ).split(" "),
);

/** Splits camelCase and digit boundaries: "OOMKilledPods" → "OOM Killed Pods". */
export function splitCamel(text: string): string {
  return text
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2")
    .replace(/([a-zA-Z])(\d)/g, "$1 $2")
    .replace(/(\d)([a-zA-Z])/g, "$1 $2");
}

/** Raw words (letters only, two or more), case kept. */
function rawWords(text: string): string[] {
  return text.match(/[A-Za-z][A-Za-z0-9]*/g) ?? [];
}

/** One term for a word, or undefined for a stop word. */
export function termOf(word: string): string | undefined {
  const w = word.toLowerCase();
  if (w.length < 2 || STOP.has(w)) return undefined;
  return stemmer(w);
}

/**
 * The search terms of a text, in order, with repeats: each word stemmed, and a camelCase word also
 * as its parts ("OOMKilled" → oomkil, oom, kill), so "oomkilled" and "OOM killed" both match it.
 */
export function terms(text: string): string[] {
  const out: string[] = [];
  for (const word of rawWords(text)) {
    const whole = termOf(word);
    if (whole) out.push(whole);
    const parts = rawWords(splitCamel(word));
    if (parts.length > 1) {
      for (const p of parts) {
        const t = termOf(p);
        if (t) out.push(t);
      }
    }
  }
  return out;
}

/** A name reduced to its letters and digits, lower case: "Kube Pod Crash-Looping" → "kubepodcrashlooping". */
export function nameKey(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]/g, "");
}

/**
 * Names a text may mention: each word as written (CamelCase alert names stay whole) and runs of two
 * to five adjacent words joined ("Kube Pod Crash Looping"), as name keys of six or more characters.
 */
export function candidateNames(text: string): Set<string> {
  const words = text.split(/[^A-Za-z0-9_-]+/).filter(Boolean);
  const out = new Set<string>();
  for (let i = 0; i < words.length; i++) {
    let joined = "";
    for (const word of words.slice(i, i + 5)) {
      joined += nameKey(word);
      if (joined.length >= 6) out.add(joined);
    }
  }
  return out;
}
