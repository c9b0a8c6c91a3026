CREATE TABLE "ingest_queue" (
	"id" bigserial NOT NULL,
	"shop_id" text NOT NULL,
	"source" text NOT NULL,
	"event_id" text NOT NULL,
	"event" text NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "ingest_queue_pkey" PRIMARY KEY("shop_id","id")
);
--> statement-breakpoint
CREATE UNIQUE INDEX "ingest_queue_event_idx" ON "ingest_queue" USING btree ("shop_id","source","event_id");--> statement-breakpoint
CREATE OR REPLACE FUNCTION "shops_delete_events"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM "events" WHERE "shop_id" = OLD."id";
  DELETE FROM "ingest_queue" WHERE "shop_id" = OLD."id";
  RETURN OLD;
END
$$;
