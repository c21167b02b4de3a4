import { AppError } from "../../errors.ts";

/** The product's error for an API server's refusal (`status`, the message of its Status body) of `what`. */
export function refusedError(status: number, message: string, what: string, cause: unknown): AppError {
  const code = status === 404 ? "k8s_not_found" : status === 409 ? "k8s_conflict" : status === 422 ? "k8s_invalid" : status === 401 || status === 403 ? "k8s_forbidden" : "k8s_error";
  return new AppError(code, `Kubernetes refused to ${what}: ${message || `HTTP ${status}`}`, { status, cause });
}

/** The product's error for an API server it could not reach to do `what`. */
export function unreachableError(e: unknown, what: string): AppError {
  return new AppError("k8s_unreachable", `Could not reach the Kubernetes API to ${what}: ${(e as Error).message}`, { status: 502, cause: e });
}
