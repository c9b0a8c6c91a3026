import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

// Custom search attributes so a person can filter journeys in the Temporal UI, e.g.
// `NbCustomer = "cus_123" AND NbState = "awaiting-conversion"`. Values are pseudonymous keys only.
export const NbJourney = defineSearchAttributeKey('NbJourney', SearchAttributeType.KEYWORD);
export const NbShop = defineSearchAttributeKey('NbShop', SearchAttributeType.KEYWORD);
export const NbCustomer = defineSearchAttributeKey('NbCustomer', SearchAttributeType.KEYWORD);
export const NbStage = defineSearchAttributeKey('NbStage', SearchAttributeType.KEYWORD);
export const NbVariant = defineSearchAttributeKey('NbVariant', SearchAttributeType.KEYWORD);
export const NbChannel = defineSearchAttributeKey('NbChannel', SearchAttributeType.KEYWORD);
export const NbState = defineSearchAttributeKey('NbState', SearchAttributeType.KEYWORD);

export const searchAttributeKeys = [NbJourney, NbShop, NbCustomer, NbStage, NbVariant, NbChannel, NbState];
