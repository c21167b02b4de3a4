/** What a Web API call ended with: "ok", or the `error` Slack answered (e.g. "not_allowed_token_type"). */
export async function slackErrorCode(call: Promise<unknown>): Promise<string> {
  try {
    await call;
    return "ok";
  } catch (e) {
    return (e as { data?: { error?: string } }).data?.error ?? String(e);
  }
}
