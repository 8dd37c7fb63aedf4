-- What a status change records beside the AADSTS code and remediation (refresh issue, step 3):
-- Microsoft's trace and correlation ids, a claims challenge's claims (for the re-auth sign-in),
-- and the action with its link.
ALTER TABLE "installations" ADD COLUMN "status_trace_id" TEXT,
ADD COLUMN "status_correlation_id" TEXT,
ADD COLUMN "status_claims" TEXT,
ADD COLUMN "status_action" TEXT,
ADD COLUMN "status_action_url" TEXT;

ALTER TABLE "connections" ADD COLUMN "status_trace_id" TEXT,
ADD COLUMN "status_correlation_id" TEXT,
ADD COLUMN "status_claims" TEXT,
ADD COLUMN "status_action" TEXT,
ADD COLUMN "status_action_url" TEXT;
