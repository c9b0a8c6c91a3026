import { index, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/**
 * Webhook deliveries already processed, by the sender's delivery id (X-Shopify-Webhook-Id,
 * X-WC-Webhook-Delivery-ID, svix-id, Twilio's MessageSid and status): a second delivery with the same
 * id is acknowledged without being processed again and kept in rejected_payloads as a replay.
 * Recorded only after the delivery was handled, so a provider's retry after our failure goes through.
 */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    source: text('source').notNull(),
    deliveryId: text('delivery_id').notNull(),
    shopId: text('shop_id'),
    receivedAt: ts('received_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.source, t.deliveryId] }), index('webhook_deliveries_received_idx').on(t.receivedAt)],
);
