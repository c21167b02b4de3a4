/** Slack's documented limits: the one source of truth for block builders and the sandbox. */
export const SLACK_LIMITS = {
  blocksPerMessage: 50,
  blocksPerModal: 100,
  sectionText: 3000,
  sectionFieldText: 2000,
  sectionFields: 10,
  headerText: 150,
  buttonText: 75,
  actionId: 255,
  blockId: 255,
  buttonValue: 2000,
  actionsElements: 25,
  contextElements: 10,
  /** context_actions block: feedback buttons and icon buttons. */
  contextActionsElements: 5,
  messageText: 40000,
  modalTitle: 24,
  optionText: 75,
  confirmTitle: 100,
  confirmText: 300,
} as const;

/**
 * Slack's Web API rate limits the product paces itself by (api.slack.com/apis/rate-limits): per
 * method, per app, per workspace. chat.update is Tier 3: 50+ calls a minute, sporadic bursts
 * welcome; chat.postMessage is special: about one message a second per channel (short bursts), with
 * a workspace-wide limit too. Over a limit Slack answers HTTP 429 with Retry-After (seconds).
 */
export const SLACK_RATE_LIMITS = {
  /** Tier 3 (chat.update): calls a minute per workspace. */
  tier3PerMinute: 50,
} as const;
