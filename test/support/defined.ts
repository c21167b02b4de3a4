/** Narrows a value a test needs to be there; a clear error names what was missing otherwise. */
export function defined<T>(value: T | undefined, what: string): asserts value is T {
  if (value === undefined) throw new Error(`expected ${what} to be there`);
}
