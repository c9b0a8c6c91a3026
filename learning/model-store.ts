import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { shops } from '../db/schema.ts';
import { customerModelStates, discountSegmentStates, shopModelStates } from '../db/schema-models.ts';
import { DEFAULT_STAGE_THRESHOLDS, type StageThresholds } from '../models/lifecycle/thresholds.ts';
import {
  defaultShopModelState,
  newCustomerModelState,
  newDiscountSegmentState,
  type CustomerModelState,
  type DiscountSegmentState,
  type ShopModelState,
} from '../models/state.ts';

// Loads and saves decision-model state. A row that does not exist yet reads as the model's default,
// so a new shop or customer gets sensible decisions from the first event.

export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
type Reader = Db | Tx;

const hhmm = (minute: number) => `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;

export interface ShopModel {
  state: ShopModelState;
  thresholds: StageThresholds;
  /** Share of the basket that is margin, from the shop's settings (default 0.4). */
  marginRate: number;
}

export async function loadShopModel(db: Reader, shopId: string): Promise<ShopModel> {
  const [row] = await db
    .select({ state: shopModelStates.state, thresholds: shopModelStates.stageThresholds, shop: shops })
    .from(shops)
    .leftJoin(shopModelStates, eq(shopModelStates.shopId, shops.id))
    .where(eq(shops.id, shopId));
  if (!row) throw new Error(`shop ${shopId} does not exist`);
  return shopModelFrom(row.state, row.thresholds, row.shop);
}

/** The shop's model from its stored state (null: the default) and its settings. */
export function shopModelFrom(
  stored: ShopModelState | null,
  thresholds: StageThresholds | null,
  shop: { quietStartMinute: number; quietEndMinute: number; settings: unknown },
): ShopModel {
  const state = stored ?? defaultShopModelState();
  // Quiet hours are the shop's setting; the model reads them from its own state.
  const withShopSettings: ShopModelState = {
    ...state,
    quietHours: { start: hhmm(shop.quietStartMinute), end: hhmm(shop.quietEndMinute) },
  };
  const marginRate = Number(((shop.settings ?? {}) as { marginRate?: unknown }).marginRate ?? 0.4);
  return { state: withShopSettings, thresholds: thresholds ?? DEFAULT_STAGE_THRESHOLDS, marginRate: Number.isFinite(marginRate) ? marginRate : 0.4 };
}

/** A stored customer state (null: a new one) in the customer's current time zone. */
export function customerModelFrom(stored: CustomerModelState | null, timeZone: string, now: string): CustomerModelState {
  const state = stored ?? newCustomerModelState(timeZone, now);
  return state.timeZone === timeZone ? state : { ...state, timeZone };
}

/** The customer's model state; `forUpdate` locks the row so concurrent outcomes apply one after another. */
export async function loadCustomerModel(
  db: Reader,
  shopId: string,
  customerId: string,
  timeZone: string,
  now: string,
  options: { forUpdate?: boolean } = {},
): Promise<CustomerModelState> {
  const query = db
    .select({ state: customerModelStates.state })
    .from(customerModelStates)
    .where(and(eq(customerModelStates.shopId, shopId), eq(customerModelStates.customerId, customerId)));
  const [row] = options.forUpdate ? await query.for('update') : await query;
  return customerModelFrom(row?.state ?? null, timeZone, now);
}

export async function saveCustomerModel(tx: Tx, shopId: string, customerId: string, state: CustomerModelState): Promise<void> {
  await tx
    .insert(customerModelStates)
    .values({ shopId, customerId, state })
    .onConflictDoUpdate({ target: customerModelStates.customerId, set: { state, updatedAt: sql`now()` } });
}

/** Discount posteriors are pooled per shop and lifecycle stage. */
export const discountSegmentKey = (stage: string) => `stage:${stage}`;

export async function loadDiscountSegment(
  db: Reader,
  shopId: string,
  segment: string,
  now: string,
  options: { forUpdate?: boolean } = {},
): Promise<DiscountSegmentState> {
  const query = db
    .select({ state: discountSegmentStates.state })
    .from(discountSegmentStates)
    .where(and(eq(discountSegmentStates.shopId, shopId), eq(discountSegmentStates.segment, segment)));
  const [row] = options.forUpdate ? await query.for('update') : await query;
  return row?.state ?? newDiscountSegmentState(segment, now);
}

export async function saveDiscountSegment(tx: Tx, shopId: string, state: DiscountSegmentState): Promise<void> {
  await tx
    .insert(discountSegmentStates)
    .values({ shopId, segment: state.segment, state })
    .onConflictDoUpdate({ target: [discountSegmentStates.shopId, discountSegmentStates.segment], set: { state, updatedAt: sql`now()` } });
}
