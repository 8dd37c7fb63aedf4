-- Events get a commit-safe position (writing transaction id, then sequence), so a reader paging
-- GET /v1/events by cursor never skips an event whose transaction committed late.

-- AlterTable
ALTER TABLE "events" ADD COLUMN "tx_id" BIGINT;
ALTER TABLE "events" ADD COLUMN "seq" BIGSERIAL NOT NULL;

-- Existing events are all committed: transaction 0, in the order of their ids.
UPDATE "events" e SET "tx_id" = 0, "seq" = o.n
  FROM (SELECT "id", row_number() OVER (ORDER BY "id") AS n FROM "events") o
 WHERE o."id" = e."id";
SELECT setval(pg_get_serial_sequence('"events"', 'seq'), COALESCE((SELECT max("seq") FROM "events"), 0) + 1, false);

ALTER TABLE "events" ALTER COLUMN "tx_id" SET NOT NULL,
ALTER COLUMN "tx_id" SET DEFAULT ((pg_current_xact_id())::text::bigint);

-- CreateIndex
CREATE INDEX "events_project_id_tx_id_seq_idx" ON "events"("project_id", "tx_id", "seq");
