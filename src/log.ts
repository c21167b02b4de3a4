import { pino, type Logger } from "pino";
import { prettyLine, uniqueKeysLine } from "./log-format.ts";
import { sharedRedactor } from "./redact/redactor.ts";

export type { Logger };

/** json: one JSON object per line; pretty: readable lines; auto: pretty on a terminal, else json. */
export type LogFormat = "auto" | "json" | "pretty";

export interface LoggerOptions {
  level?: string;
  name?: string;
  format?: LogFormat;
  /** Where lines go (default stdout); its `isTTY` decides the `auto` format. */
  destination?: { write(line: string): unknown; isTTY?: boolean };
}

/** The one root logger; everything else takes a child bound to incident, team, user or action. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const out = options.destination ?? process.stdout;
  const format = options.format ?? "auto";
  const pretty = format === "pretty" || (format === "auto" && out.isTTY === true);
  const color = pretty && out.isTTY === true;
  const render = pretty ? (line: string) => prettyLine(line, { color }) : uniqueKeysLine;
  return pino(
    {
      name: options.name ?? "aisre",
      level: options.level ?? "info",
      redact: { paths: ["*.token", "*.password", "*.secret", "headers.authorization"], censor: "[redacted]" },
    },
    // Every line passes the one redactor (secrets): a token in an error message or a URL never reaches the log.
    { write: (line: string) => out.write(render(sharedRedactor().text(line, "secrets"))) },
  );
}

/** A logger that writes nothing: for tests and for library code that is given no logger. */
export const silentLogger: Logger = pino({ level: "silent" });
