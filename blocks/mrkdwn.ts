/**
 * The Slack escaping boundary, for presenters in blocks/. It lives in src/text/slack-markup.ts so
 * presenters in src/ use the same functions; see there for the rules.
 */
export { escapeKeepingMentions, escapeText, escapeText as escapeMrkdwn, inlineCode, link, mentionGroup, mentionUser, personRef, safeUrl, slackDate } from "../src/text/slack-markup.ts";
