-- Look-ups the dashboard, experiment results and attribution make on tables owned elsewhere: provider
-- events of a dispatch, the dispatches of a journey, a shop's sends by time, and the orders credited to
-- a dispatch. Without them each page is quadratic in the number of journeys.
CREATE INDEX IF NOT EXISTS "provider_events_dispatch_idx" ON "provider_events" USING btree ("dispatch_id","kind");--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "dispatches_workflow_idx" ON "dispatches" USING btree ("workflow_id","step");--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "dispatches_shop_sent_idx" ON "dispatches" USING btree ("shop_id","sent_at");--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "orders_attributed_idx" ON "orders" USING btree ("attributed_dispatch_id");
