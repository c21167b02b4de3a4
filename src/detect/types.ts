/** What an online detector says about one point. */
export type AnomalyKind = "none" | "spike" | "dip" | "level-shift" | "drift" | "variance" | "flatline" | "seasonal" | "gap";

export interface Explanation {
  /** The value the detector expected at this point (NaN while it has no baseline yet). */
  baseline: number;
  /** Value minus baseline, in the series' unit (NaN for a missing value). */
  deviation: number;
  /** Robust spread of normal values around the baseline (same unit), used for bands on charts. */
  spread: number;
  /** Deviation in units of spread (signed). */
  z: number;
  /** Epoch ms when the current anomalous episode started (undefined when the point is normal). */
  since: number | undefined;
  kind: AnomalyKind;
}

export interface DetectorOutput {
  /** Anomaly score in [0, 1]; uses only this point and earlier ones. */
  score: number;
  explanation: Explanation;
}

/** A stateful online detector for one series: feed points in time order. */
export interface OnlineDetector {
  update(timestampMs: number, value: number): DetectorOutput;
}
