-- A connect flow is bound to the browser that started it: starting the same session again in the
-- same browser supersedes the older attempt (its callback then answers "superseded", and the
-- session stays usable for the newest attempt).

-- AlterTable
ALTER TABLE "oauth_states" ADD COLUMN "superseded_at" TIMESTAMPTZ(3);

-- Re-authorizing a user's connection with another Microsoft account (another oid) is refused
-- unless the session that started it allowed an account change.

-- AlterTable
ALTER TABLE "connect_sessions" ADD COLUMN "allow_account_change" BOOLEAN NOT NULL DEFAULT false;

-- The origin of the page that opened a popup flow (its Referer at the start page), so the result
-- page can say in the console when that page is not one of the app's allowed origins.

-- AlterTable
ALTER TABLE "oauth_states" ADD COLUMN "opener_origin" TEXT;
