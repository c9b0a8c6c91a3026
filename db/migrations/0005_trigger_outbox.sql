CREATE TABLE "import_rejections" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"run_id" text NOT NULL,
	"line" integer NOT NULL,
	"reason" text NOT NULL,
	"record" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "trigger_outbox" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"shop_id" text NOT NULL,
	"order_key" text NOT NULL,
	"coalesce_key" text,
	"kind" text NOT NULL,
	"payload" jsonb NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	"available_at" timestamp with time zone DEFAULT now() NOT NULL,
	"lease_until" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"fired_at" timestamp with time zone,
	"workflow_ids" text[]
);
--> statement-breakpoint
ALTER TABLE "import_rejections" ADD CONSTRAINT "import_rejections_run_id_import_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."import_runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "trigger_outbox" ADD CONSTRAINT "trigger_outbox_shop_id_shops_id_fk" FOREIGN KEY ("shop_id") REFERENCES "public"."shops"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "import_rejections_line_idx" ON "import_rejections" USING btree ("run_id","line");--> statement-breakpoint
CREATE INDEX "trigger_outbox_due_idx" ON "trigger_outbox" USING btree ("available_at") WHERE status in ('pending', 'firing');--> statement-breakpoint
CREATE INDEX "trigger_outbox_order_idx" ON "trigger_outbox" USING btree ("shop_id","order_key","id") WHERE status in ('pending', 'firing');--> statement-breakpoint
CREATE INDEX "trigger_outbox_coalesce_idx" ON "trigger_outbox" USING btree ("shop_id","coalesce_key") WHERE status = 'pending' and coalesce_key is not null;--> statement-breakpoint
CREATE INDEX "trigger_outbox_done_idx" ON "trigger_outbox" USING btree ("fired_at");