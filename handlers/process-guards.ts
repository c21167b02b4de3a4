import type { Logger } from "../src/log.ts";

/**
 * A promise rejection nobody awaited would end the process (Node's default): on the incident path
 * the bot must keep serving, so it is logged and counted instead. An uncaught exception leaves
 * state unknown: it is logged, then the process exits non-zero for its supervisor to restart it
 * (stored deliveries and outbox items are picked up again by any replica).
 */
export function installProcessGuards(logger: Logger, onRejection?: () => void): void {
  process.on("unhandledRejection", (reason) => {
    onRejection?.();
    logger.error({ err: reason }, "unhandled promise rejection; kept running");
  });
  process.on("uncaughtException", (e) => {
    logger.fatal({ err: e }, "uncaught exception; exiting");
    process.exit(1);
  });
}
