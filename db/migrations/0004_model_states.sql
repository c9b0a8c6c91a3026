CREATE TABLE "customer_model_states" (
	"customer_id" text PRIMARY KEY NOT NULL,
	"shop_id" text NOT NULL,
	"state" jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "discount_segment_states" (
	"shop_id" text NOT NULL,
	"segment" text NOT NULL,
	"state" jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "discount_segment_states_shop_id_segment_pk" PRIMARY KEY("shop_id","segment")
);
--> statement-breakpoint
CREATE TABLE "shop_model_states" (
	"shop_id" text PRIMARY KEY NOT NULL,
	"state" jsonb NOT NULL,
	"stage_thresholds" jsonb,
	"retrained_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "customer_model_states" ADD CONSTRAINT "customer_model_states_shop_id_shops_id_fk" FOREIGN KEY ("shop_id") REFERENCES "public"."shops"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "discount_segment_states" ADD CONSTRAINT "discount_segment_states_shop_id_shops_id_fk" FOREIGN KEY ("shop_id") REFERENCES "public"."shops"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "shop_model_states" ADD CONSTRAINT "shop_model_states_shop_id_shops_id_fk" FOREIGN KEY ("shop_id") REFERENCES "public"."shops"("id") ON DELETE cascade ON UPDATE no action;