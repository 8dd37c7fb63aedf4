-- When Microsoft last issued an installation's token (consent or re-mint), as connections already
-- record: getCredential honours forceRefresh at most once per credential per interval by it.

-- AlterTable
ALTER TABLE "installations" ADD COLUMN "last_refreshed_at" TIMESTAMPTZ(3);

-- Existing installations: their consent is the last issue known.
UPDATE "installations" SET "last_refreshed_at" = "consented_at";
