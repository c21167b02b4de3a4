/**
 * Text from outside (alert summaries, log lines, evidence) must not be read as Slack markup: Slack
 * treats `<…>` as links and mentions and `&` as an entity, so those three are escaped.
 */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}
