/**
 * Processing and the webhook door share the main thread. While webhooks keep arriving, processing
 * takes at most `share` of the time: after a batch that took `batchMs` during which the door
 * accepted deliveries, it waits `batchMs × (1 − share) / share` (at most `maxMs`) before the next
 * batch, and the door has the main thread meanwhile. A quiet door costs processing no wait. What
 * waits is durable (stored, or in the door journal), never only in memory.
 */
export function processingPauseMs(o: { batchMs: number; doorBusy: boolean; share: number; maxMs: number }): number {
  if (!o.doorBusy || o.share >= 1 || o.batchMs <= 0) return 0;
  const share = Math.max(0.01, o.share);
  return Math.min(o.maxMs, (o.batchMs * (1 - share)) / share);
}
