/** Slack's replay window: a signed request more than 5 minutes off the clock, either way, is refused. */
export const SLACK_REQUEST_WINDOW_S = 5 * 60;

/**
 * Why a Slack request's timestamp is unacceptable, or undefined when it is within the window.
 * Bolt's HTTPReceiver only refuses timestamps in the past; one signed far in the future would stay
 * replayable until its time came, so the window is checked both ways before Bolt sees the request.
 */
export function slackTimestampProblem(header: string | string[] | undefined, nowSec: number): string | undefined {
  const raw = Array.isArray(header) ? header[0] : header;
  if (raw === undefined || !/^\d{1,12}$/.test(raw.trim())) return "missing or malformed x-slack-request-timestamp";
  const ts = Number(raw.trim());
  if (Math.abs(nowSec - ts) > SLACK_REQUEST_WINDOW_S) return `x-slack-request-timestamp is ${ts > nowSec ? "in the future" : "too old"} (more than ${SLACK_REQUEST_WINDOW_S / 60} minutes off)`;
  return undefined;
}
