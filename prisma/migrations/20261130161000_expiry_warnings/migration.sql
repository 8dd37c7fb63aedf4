-- Expiry warnings (refresh issue, step 5), each sent once: the last warning given about an app's
-- client secret or certificate (30, 7 or 1 days ahead, 0 once expired; reset when the credential
-- changes), and when a connection was warned that its refresh token nears Microsoft's inactivity
-- limit (reset by its next good refresh).
ALTER TABLE "provider_apps" ADD COLUMN "credential_warned_days" INTEGER;

ALTER TABLE "connections" ADD COLUMN "expiry_warned_at" TIMESTAMPTZ(3);

-- CreateIndex
CREATE INDEX "connections_last_refreshed_at_idx" ON "connections"("last_refreshed_at");
