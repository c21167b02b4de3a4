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
