CREATE TABLE "import_runs" (
	"id" text PRIMARY KEY NOT NULL,
	"shop_id" text NOT NULL,
	"file" text NOT NULL,
	"kind" text NOT NULL,
	"records_done" integer DEFAULT 0 NOT NULL,
	"accepted" integer DEFAULT 0 NOT NULL,
	"duplicate" integer DEFAULT 0 NOT NULL,
	"rejected" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "inventory_items" (
	"shop_id" text NOT NULL,
	"source" text NOT NULL,
	"item_id" text NOT NULL,
	"product_id" text,
	"available" integer,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "inventory_items_shop_id_source_item_id_pk" PRIMARY KEY("shop_id","source","item_id")
);
--> statement-breakpoint
CREATE TABLE "order_facts" (
	"shop_id" text NOT NULL,
	"source" text NOT NULL,
	"source_order_id" text NOT NULL,
	"kind" text NOT NULL,
	"fact_id" text NOT NULL,
	"amount_minor" integer DEFAULT 0 NOT NULL,
	"currency" text,
	"occurred_at" timestamp with time zone NOT NULL,
	CONSTRAINT "order_facts_shop_id_source_source_order_id_kind_fact_id_pk" PRIMARY KEY("shop_id","source","source_order_id","kind","fact_id")
);
--> statement-breakpoint
CREATE TABLE "source_secrets" (
	"shop_id" text NOT NULL,
	"source" text NOT NULL,
	"secret_enc" text NOT NULL,
	"external_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "source_secrets_shop_id_source_pk" PRIMARY KEY("shop_id","source")
);
--> statement-breakpoint
ALTER TABLE "events" ALTER COLUMN "customer_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "orders" ADD COLUMN "paid_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "orders" ADD COLUMN "fulfilled_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "orders" ADD COLUMN "cancelled_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "orders" ADD COLUMN "presentment_currency" text;--> statement-breakpoint
ALTER TABLE "orders" ADD COLUMN "presentment_total_minor" integer;--> statement-breakpoint
ALTER TABLE "products" ADD COLUMN "low_stock_threshold" integer;--> statement-breakpoint
ALTER TABLE "shops" ADD COLUMN "low_stock_threshold" integer DEFAULT 5 NOT NULL;--> statement-breakpoint
ALTER TABLE "shops" ADD COLUMN "event_retention_days" integer DEFAULT 180 NOT NULL;--> statement-breakpoint
ALTER TABLE "import_runs" ADD CONSTRAINT "import_runs_shop_id_shops_id_fk" FOREIGN KEY ("shop_id") REFERENCES "public"."shops"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "inventory_items" ADD CONSTRAINT "inventory_items_shop_id_shops_id_fk" FOREIGN KEY ("shop_id") REFERENCES "public"."shops"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "order_facts" ADD CONSTRAINT "order_facts_shop_id_shops_id_fk" FOREIGN KEY ("shop_id") REFERENCES "public"."shops"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "source_secrets" ADD CONSTRAINT "source_secrets_shop_id_shops_id_fk" FOREIGN KEY ("shop_id") REFERENCES "public"."shops"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "inventory_items_product_idx" ON "inventory_items" USING btree ("shop_id","product_id");--> statement-breakpoint
CREATE INDEX "events_occurred_idx" ON "events" USING btree ("shop_id","occurred_at");