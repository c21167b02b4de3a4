import { pino, type Logger } from "pino";

export type { Logger };

/** The one root logger; everything else takes a child bound to incident, team, user or action. */
export function createLogger(options: { level?: string; name?: string } = {}): Logger {
  return pino({
    name: options.name ?? "aisre",
    level: options.level ?? "info",
    redact: { paths: ["*.token", "*.password", "*.secret", "headers.authorization"], censor: "[redacted]" },
  });
}

/** A logger that writes nothing: for tests and for library code that is given no logger. */
export const silentLogger: Logger = pino({ level: "silent" });
