// Public surface of the decision models, for activities, the API and the CLI. Everything here is pure:
// no I/O, no clock (callers pass `now`), no Math.random (callers pass a seed).

export * from './types.ts';
export * from './state.ts';
export { DEFAULT_HALF_LIFE_DAYS } from './core/decay.ts';
export { Rng } from './core/rng.ts';
export { betaInterval, betaMean, type BetaParams } from './core/beta.ts';
export { fitStageThresholds, repeatPurchaseGaps, DEFAULT_STAGE_THRESHOLDS, type StageThresholds } from './lifecycle/thresholds.ts';
export { classifyStage, stageChanged, type Order, type StageResult, type StageChange } from './lifecycle/classify.ts';
export { addToPool, channelPosterior, eligibleChannels, emptyPoolStats, pooledPrior, priorFromShopRate, resolveChannelPrior, type PoolStats } from './channel/posterior.ts';
export { chooseChannel, fallbackOrder, type ChannelChoice } from './channel/choose.ts';
export { chooseSegmentChannels, type SegmentChannelDecision } from './channel/segment.ts';
export { chooseSendTime, hourLabel, type SendTimeResult } from './sendtime/choose.ts';
export { buildPopulationCurve, HOURS_PER_WEEK } from './sendtime/curve.ts';
export { hourOfWeekAt, isValidTimeZone } from './sendtime/zone.ts';
export { chooseTier, type TierChoice, type TierAlternative } from './discount/choose.ts';
export { tierPosteriorMeans, tierPosteriors } from './discount/posterior.ts';
export { actionKey, type ContentCandidate } from './nba.ts';
export { decideAction, type DecideInput, type Decision, type ScoredAction } from './decide.ts';
export { updateOnOutcome, recordSiteActivity, type Outcome, type OutcomeState } from './update.ts';
export { addToRefit, applyRefit, finishRefit, refitShop, startRefit, PRIOR_STRENGTH, type RefitOptions, type RefitResult } from './refit.ts';
export { explainCustomer, type CustomerExplanation, type ExplainState } from './explain.ts';
export * from './offpolicy.ts';
