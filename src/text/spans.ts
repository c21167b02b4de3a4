/**
 * A span of time as the thread names it: "15 s" under a minute (a deploy 15 s before the onset is
 * not "0 min" before it), "3 min" up to 90 minutes, then "1.5 h". Takes seconds; the sign is dropped
 * (the caller says before or after).
 */
export function spanText(seconds: number): string {
  const s = Math.abs(seconds);
  if (s < 59.5) return `${Math.round(s)} s`;
  const m = Math.round(s / 60);
  if (m < 90) return `${m} min`;
  return `${(s / 3600).toFixed(1)} h`;
}
