ALTER TABLE "events" DROP CONSTRAINT "events_shop_id_shops_id_fk";
--> statement-breakpoint
CREATE FUNCTION "shops_delete_events"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM "events" WHERE "shop_id" = OLD."id";
  RETURN OLD;
END
$$;
--> statement-breakpoint
CREATE TRIGGER "shops_delete_events" AFTER DELETE ON "shops" FOR EACH ROW EXECUTE FUNCTION "shops_delete_events"();
