-- The queue holds one row per accepted request (its events one per line) instead of one per event.
-- Rows still queued when this runs become one-event requests, so nothing accepted is lost.
DROP INDEX "ingest_queue_event_idx";--> statement-breakpoint
ALTER TABLE "ingest_queue" ADD COLUMN "event_count" integer NOT NULL DEFAULT 1;--> statement-breakpoint
ALTER TABLE "ingest_queue" ALTER COLUMN "event_count" DROP DEFAULT;--> statement-breakpoint
ALTER TABLE "ingest_queue" RENAME COLUMN "event" TO "events";--> statement-breakpoint
ALTER TABLE "ingest_queue" DROP COLUMN "event_id";--> statement-breakpoint
-- lz4 compresses a request's events at a fraction of pglz's cost; servers built without lz4 keep pglz.
DO $$
BEGIN
  ALTER TABLE "ingest_queue" ALTER COLUMN "events" SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported OR invalid_parameter_value THEN
  RAISE NOTICE 'lz4 is not available on this server: ingest_queue.events keeps the default compression';
END
$$;
