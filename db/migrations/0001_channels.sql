CREATE TABLE "audience_members" (
	"shop_id" text NOT NULL,
	"audience" text NOT NULL,
	"customer_id" text NOT NULL,
	"identifiers_enc" text NOT NULL,
	"added_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "audience_members_shop_id_audience_customer_id_pk" PRIMARY KEY("shop_id","audience","customer_id")
);
--> statement-breakpoint
CREATE TABLE "dispatch_attempts" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"dispatch_id" text NOT NULL,
	"provider" text NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"finished_at" timestamp with time zone,
	"result" text DEFAULT 'started' NOT NULL,
	"error" text
);
--> statement-breakpoint
CREATE TABLE "frequency_slots" (
	"shop_id" text NOT NULL,
	"customer_id" text NOT NULL,
	"channel" text NOT NULL,
	"last_sent_at" timestamp with time zone NOT NULL,
	"dispatch_id" text NOT NULL,
	CONSTRAINT "frequency_slots_shop_id_customer_id_channel_pk" PRIMARY KEY("shop_id","customer_id","channel")
);
--> statement-breakpoint
CREATE TABLE "provider_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"shop_id" text,
	"provider" text NOT NULL,
	"provider_event_id" text NOT NULL,
	"dispatch_id" text,
	"customer_id" text,
	"channel" text,
	"kind" text NOT NULL,
	"detail" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"occurred_at" timestamp with time zone NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "push_subscriptions" (
	"shop_id" text NOT NULL,
	"customer_id" text NOT NULL,
	"endpoint_hash" text NOT NULL,
	"subscription_enc" text NOT NULL,
	"failures" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "push_subscriptions_shop_id_endpoint_hash_pk" PRIMARY KEY("shop_id","endpoint_hash")
);
--> statement-breakpoint
CREATE TABLE "suppressions" (
	"shop_id" text NOT NULL,
	"channel" text NOT NULL,
	"address_hash" text NOT NULL,
	"reason" text NOT NULL,
	"source" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "suppressions_shop_id_channel_address_hash_pk" PRIMARY KEY("shop_id","channel","address_hash")
);
--> statement-breakpoint
CREATE TABLE "throttle_buckets" (
	"shop_id" text NOT NULL,
	"provider" text NOT NULL,
	"tokens" double precision NOT NULL,
	"refilled_at" timestamp with time zone NOT NULL,
	CONSTRAINT "throttle_buckets_shop_id_provider_pk" PRIMARY KEY("shop_id","provider")
);
--> statement-breakpoint
ALTER TABLE "audience_members" ADD CONSTRAINT "audience_members_shop_id_shops_id_fk" FOREIGN KEY ("shop_id") REFERENCES "public"."shops"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "frequency_slots" ADD CONSTRAINT "frequency_slots_shop_id_shops_id_fk" FOREIGN KEY ("shop_id") REFERENCES "public"."shops"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "push_subscriptions" ADD CONSTRAINT "push_subscriptions_shop_id_shops_id_fk" FOREIGN KEY ("shop_id") REFERENCES "public"."shops"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "suppressions" ADD CONSTRAINT "suppressions_shop_id_shops_id_fk" FOREIGN KEY ("shop_id") REFERENCES "public"."shops"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "throttle_buckets" ADD CONSTRAINT "throttle_buckets_shop_id_shops_id_fk" FOREIGN KEY ("shop_id") REFERENCES "public"."shops"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "dispatch_attempts_dispatch_idx" ON "dispatch_attempts" USING btree ("dispatch_id");--> statement-breakpoint
CREATE UNIQUE INDEX "provider_events_once_idx" ON "provider_events" USING btree ("provider","provider_event_id");--> statement-breakpoint
CREATE INDEX "provider_events_customer_idx" ON "provider_events" USING btree ("customer_id","channel","kind","occurred_at");--> statement-breakpoint
CREATE INDEX "push_subscriptions_customer_idx" ON "push_subscriptions" USING btree ("shop_id","customer_id");