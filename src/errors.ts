/** An error with a stable code and a message that is safe and useful to show to a Slack user. */
export class AppError extends Error {
  readonly code: string;
  readonly userMessage: string;
  readonly status: number;
  constructor(code: string, userMessage: string, options: { status?: number; cause?: unknown; detail?: string } = {}) {
    super(options.detail ?? userMessage, { cause: options.cause });
    this.name = "AppError";
    this.code = code;
    this.userMessage = userMessage;
    this.status = options.status ?? 400;
  }
}

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
