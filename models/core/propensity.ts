// Thompson sampling has no closed-form choice probability, so it is estimated by repeating the draw.
// The decision's own draw is counted as one of the repetitions: the estimate is then never zero,
// which inverse-propensity weighting could not survive.

/** Default number of extra Thompson draws behind a propensity; bounded to keep decide well under 1 ms. */
export const DEFAULT_PROPENSITY_DRAWS = 200;

/** Share of `draws` repetitions (plus the decision's own draw) in which the chosen option won again. */
export function propensityFromWins(winsInRepeats: number, draws: number): number {
  return (winsInRepeats + 1) / (draws + 1);
}
