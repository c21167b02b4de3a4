/**
 * The simulated clock's first instant where figures must reproduce (tests, evaluations): 18:00 UTC on a
 * Monday, evening traffic. The shop's traffic follows the time of day, so a simulation started at the
 * wall clock's "now" behaves differently at 03:00 than at 18:00.
 */
export const REFERENCE_START = "2025-03-10T18:00:00Z";
