-- Events, issues and webhooks: the event stream consumer's cursor, per-subject sequence numbers,
-- deduplicated issues, webhook endpoints with their signing secrets (key material in "secrets"),
-- and the transactional outbox of deliveries. Indexes for the retention purge.

-- CreateIndex
CREATE INDEX "events_tx_id_seq_idx" ON "events"("tx_id", "seq");
CREATE INDEX "events_created_at_idx" ON "events"("created_at");
CREATE INDEX "credential_history_created_at_idx" ON "credential_history"("created_at");

-- CreateTable
CREATE TABLE "event_cursors" (
    "name" TEXT NOT NULL,
    "tx_id" BIGINT NOT NULL DEFAULT 0,
    "seq" BIGINT NOT NULL DEFAULT 0,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "event_cursors_pkey" PRIMARY KEY ("name")
);

-- CreateTable
CREATE TABLE "event_subject_sequences" (
    "project_id" TEXT NOT NULL,
    "subject_id" TEXT NOT NULL,
    "last_sequence" BIGINT NOT NULL,

    CONSTRAINT "event_subject_sequences_pkey" PRIMARY KEY ("project_id","subject_id")
);

-- CreateTable
CREATE TABLE "event_rollups" (
    "name" TEXT NOT NULL,
    "until" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "event_rollups_pkey" PRIMARY KEY ("name")
);

-- CreateTable
CREATE TABLE "issues" (
    "id" TEXT NOT NULL,
    "project_id" TEXT NOT NULL,
    "tenant_id" TEXT,
    "tenant_external_id" TEXT,
    "subject_kind" TEXT NOT NULL,
    "subject_id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "open_key" TEXT,
    "occurrences" INTEGER NOT NULL DEFAULT 1,
    "details" JSONB NOT NULL,
    "first_event_id" TEXT NOT NULL,
    "last_event_id" TEXT NOT NULL,
    "opened_at" TIMESTAMPTZ(3) NOT NULL,
    "last_seen_at" TIMESTAMPTZ(3) NOT NULL,
    "resolved_at" TIMESTAMPTZ(3),
    "resolution" TEXT,

    CONSTRAINT "issues_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "webhook_endpoints" (
    "id" TEXT NOT NULL,
    "project_id" TEXT NOT NULL,
    "url" TEXT NOT NULL,
    "description" TEXT,
    "event_types" TEXT[],
    "disabled" BOOLEAN NOT NULL DEFAULT false,
    "created_tx_id" BIGINT NOT NULL DEFAULT (pg_current_xact_id())::text::bigint,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "webhook_endpoints_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "webhook_secrets" (
    "id" TEXT NOT NULL,
    "project_id" TEXT NOT NULL,
    "endpoint_id" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(3),

    CONSTRAINT "webhook_secrets_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "webhook_deliveries" (
    "id" TEXT NOT NULL,
    "project_id" TEXT NOT NULL,
    "endpoint_id" TEXT NOT NULL,
    "event_id" TEXT NOT NULL,
    "event_type" TEXT NOT NULL,
    "tenant_external_id" TEXT,
    "ordering_key" TEXT NOT NULL,
    "seq" BIGSERIAL NOT NULL,
    "body" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "next_attempt_at" TIMESTAMPTZ(3) NOT NULL,
    "give_up_at" TIMESTAMPTZ(3) NOT NULL,
    "lease_until" TIMESTAMPTZ(3),
    "last_attempt_at" TIMESTAMPTZ(3),
    "last_status_code" INTEGER,
    "last_error" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL,
    "finished_at" TIMESTAMPTZ(3),

    CONSTRAINT "webhook_deliveries_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "issues_project_id_open_key_key" ON "issues"("project_id", "open_key");
CREATE INDEX "issues_project_id_subject_id_idx" ON "issues"("project_id", "subject_id");
CREATE INDEX "issues_project_id_status_opened_at_idx" ON "issues"("project_id", "status", "opened_at");
CREATE INDEX "issues_status_resolved_at_idx" ON "issues"("status", "resolved_at");
CREATE INDEX "webhook_endpoints_project_id_id_idx" ON "webhook_endpoints"("project_id", "id");
CREATE INDEX "webhook_secrets_endpoint_id_idx" ON "webhook_secrets"("endpoint_id");
CREATE INDEX "webhook_deliveries_status_next_attempt_at_idx" ON "webhook_deliveries"("status", "next_attempt_at");
CREATE INDEX "webhook_deliveries_endpoint_id_ordering_key_seq_idx" ON "webhook_deliveries"("endpoint_id", "ordering_key", "seq");
CREATE INDEX "webhook_deliveries_project_id_endpoint_id_seq_idx" ON "webhook_deliveries"("project_id", "endpoint_id", "seq");
CREATE INDEX "webhook_deliveries_finished_at_idx" ON "webhook_deliveries"("finished_at");

-- AddForeignKey
ALTER TABLE "issues" ADD CONSTRAINT "issues_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "issues" ADD CONSTRAINT "issues_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "webhook_endpoints" ADD CONSTRAINT "webhook_endpoints_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "webhook_secrets" ADD CONSTRAINT "webhook_secrets_endpoint_id_fkey" FOREIGN KEY ("endpoint_id") REFERENCES "webhook_endpoints"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_endpoint_id_fkey" FOREIGN KEY ("endpoint_id") REFERENCES "webhook_endpoints"("id") ON DELETE CASCADE ON UPDATE CASCADE;
