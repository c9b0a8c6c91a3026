CREATE TABLE "experiment_exposures" (
	"experiment_id" text NOT NULL,
	"workflow_id" text NOT NULL,
	"step" integer NOT NULL,
	"shop_id" text NOT NULL,
	"customer_id" text NOT NULL,
	"journey" text NOT NULL,
	"variant" text NOT NULL,
	"holdout" boolean NOT NULL,
	"propensity" double precision NOT NULL,
	"exposed_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "experiment_exposures_experiment_id_workflow_id_step_pk" PRIMARY KEY("experiment_id","workflow_id","step")
);
--> statement-breakpoint
CREATE TABLE "experiments" (
	"id" text PRIMARY KEY NOT NULL,
	"shop_id" text NOT NULL,
	"name" text NOT NULL,
	"description" text,
	"status" text DEFAULT 'running' NOT NULL,
	"journeys" text[] NOT NULL,
	"variants" jsonb NOT NULL,
	"holdout_share" double precision NOT NULL,
	"conversion_window_ms" integer NOT NULL,
	"salt" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"stopped_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "experiment_exposures" ADD CONSTRAINT "experiment_exposures_experiment_id_experiments_id_fk" FOREIGN KEY ("experiment_id") REFERENCES "public"."experiments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "experiment_exposures" ADD CONSTRAINT "experiment_exposures_shop_id_shops_id_fk" FOREIGN KEY ("shop_id") REFERENCES "public"."shops"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "experiments" ADD CONSTRAINT "experiments_shop_id_shops_id_fk" FOREIGN KEY ("shop_id") REFERENCES "public"."shops"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "experiment_exposures_customer_idx" ON "experiment_exposures" USING btree ("experiment_id","customer_id","exposed_at");--> statement-breakpoint
CREATE INDEX "experiment_exposures_shop_idx" ON "experiment_exposures" USING btree ("shop_id","customer_id");--> statement-breakpoint
CREATE UNIQUE INDEX "experiments_name_idx" ON "experiments" USING btree ("shop_id","name");