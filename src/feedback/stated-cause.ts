/**
 * The cause as it is said in the question: the diagnosis's cause text usually already names its
 * service ("inventory: the deploy 2.3.0 …"), so the service is not said twice.
 */
export function causeWithoutService(v: { service?: string; cause?: string }): string {
  const cause = v.cause ?? "";
  return v.service && cause.startsWith(`${v.service}: `) ? cause.slice(v.service.length + 2) : cause;
}
