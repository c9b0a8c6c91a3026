import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { CancelSignal, CartUpdatedSignal, JourneyStatusView, OrderPlacedSignal, TriggeredSignal, UnsubscribedSignal } from './types.ts';

// Signal and query names are part of the public contract with running journeys: never rename them.
export const orderPlacedSignal = defineSignal<[OrderPlacedSignal]>('orderPlaced');
export const cartUpdatedSignal = defineSignal<[CartUpdatedSignal]>('cartUpdated');
export const unsubscribedSignal = defineSignal<[UnsubscribedSignal]>('unsubscribed');
export const cancelSignal = defineSignal<[CancelSignal]>('cancel');
export const journeyTriggeredSignal = defineSignal<[TriggeredSignal]>('triggered');
export const journeyStatusQuery = defineQuery<JourneyStatusView>('journeyStatus');
