/**
 * Index reads that must hit. With `noUncheckedIndexedAccess` an index read may be undefined; where the
 * value has to be there (a fixed-length tuple, a row the caller just counted), these return it or throw a
 * RangeError that says what was missing, instead of letting `undefined` flow on as NaN or a crash later.
 */
export function itemAt<T>(xs: ArrayLike<T>, i: number, what = "item"): T {
  const v = xs[i];
  if (v === undefined) throw new RangeError(`${what} [${i}] is missing (length ${xs.length})`);
  return v;
}

/** The first element of a list that must not be empty. */
export function firstOf<T>(xs: ArrayLike<T>, what = "list"): T {
  return itemAt(xs, 0, what);
}

/** The last element of a list that must not be empty. */
export function lastOf<T>(xs: ArrayLike<T>, what = "list"): T {
  return itemAt(xs, xs.length - 1, what);
}
