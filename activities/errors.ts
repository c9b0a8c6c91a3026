// Business failures that no retry can fix. Temporal matches an activity failure's type by the error's
// name, so each is listed in the nonRetryableErrorTypes in workflows/activities.ts.

/** The campaign's target names nothing sendable: no such products, or none in stock. */
export class CampaignTargetError extends Error {
  override name = 'CampaignTargetError';
}

/** The shop does not exist (a typo in a CLI argument, or a deleted shop). */
export class UnknownShopError extends Error {
  override name = 'UnknownShopError';
  constructor(shopId: string) {
    super(`shop "${shopId}" does not exist; list shops with the API or check the --shop argument`);
  }
}
