-- Issue 4: provider apps, installations, connections, connect sessions, OAuth states, events,
-- credential history. Tokens and secrets of these rows live encrypted in "secrets".

-- CreateTable
CREATE TABLE "provider_apps" (
    "id" TEXT NOT NULL,
    "project_id" TEXT NOT NULL,
    "provider" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "client_id" TEXT NOT NULL,
    "credential_type" TEXT NOT NULL,
    "credential_expires_at" TIMESTAMPTZ(3),
    "cert_thumbprint" TEXT,
    "cloud" TEXT NOT NULL,
    "login_url" TEXT,
    "graph_url" TEXT,
    "graph_resource" TEXT,
    "user_authority" TEXT NOT NULL,
    "home_tenant_id" TEXT,
    "user_scopes" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "installation_scopes" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "redirect_uris" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "allowed_origins" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "status" TEXT NOT NULL,
    "status_aadsts" INTEGER,
    "status_error" TEXT,
    "status_remediation" TEXT,
    "last_checked_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "provider_apps_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "installations" (
    "id" TEXT NOT NULL,
    "project_id" TEXT NOT NULL,
    "tenant_id" TEXT NOT NULL,
    "app_id" TEXT NOT NULL,
    "provider" TEXT NOT NULL,
    "directory_id" TEXT NOT NULL,
    "cloud" TEXT NOT NULL,
    "resource_kind" TEXT,
    "resource_drive_id" TEXT,
    "resource_site_id" TEXT,
    "resource_user" TEXT,
    "resource_web_url" TEXT,
    "scopes" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "consented_at" TIMESTAMPTZ(3) NOT NULL,
    "consented_by" TEXT,
    "status" TEXT NOT NULL,
    "status_aadsts" INTEGER,
    "status_error" TEXT,
    "status_remediation" TEXT,
    "status_changed_at" TIMESTAMPTZ(3),
    "expires_at" TIMESTAMPTZ(3),
    "refresh_at" TIMESTAMPTZ(3),
    "failure_count" INTEGER NOT NULL DEFAULT 0,
    "lease_owner" TEXT,
    "lease_until" TIMESTAMPTZ(3),
    "version" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "installations_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "connections" (
    "id" TEXT NOT NULL,
    "project_id" TEXT NOT NULL,
    "tenant_id" TEXT NOT NULL,
    "installation_id" TEXT,
    "app_id" TEXT NOT NULL,
    "provider" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "oid" TEXT NOT NULL,
    "tid" TEXT NOT NULL,
    "upn" TEXT,
    "scopes" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "status" TEXT NOT NULL,
    "status_aadsts" INTEGER,
    "status_error" TEXT,
    "status_remediation" TEXT,
    "status_changed_at" TIMESTAMPTZ(3),
    "expires_at" TIMESTAMPTZ(3),
    "refresh_at" TIMESTAMPTZ(3),
    "keep_alive_at" TIMESTAMPTZ(3),
    "last_refreshed_at" TIMESTAMPTZ(3),
    "failure_count" INTEGER NOT NULL DEFAULT 0,
    "lease_owner" TEXT,
    "lease_until" TIMESTAMPTZ(3),
    "version" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "connections_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "connect_sessions" (
    "id" TEXT NOT NULL,
    "project_id" TEXT NOT NULL,
    "tenant_id" TEXT NOT NULL,
    "app_id" TEXT NOT NULL,
    "token_hash" BYTEA NOT NULL,
    "provider" TEXT NOT NULL,
    "credential_for" TEXT NOT NULL,
    "user_id" TEXT,
    "return_to" TEXT,
    "mode" TEXT NOT NULL,
    "resource" JSONB,
    "target_installation_id" TEXT,
    "target_connection_id" TEXT,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "consumed_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "connect_sessions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "oauth_states" (
    "id" TEXT NOT NULL,
    "project_id" TEXT NOT NULL,
    "tenant_id" TEXT NOT NULL,
    "session_id" TEXT NOT NULL,
    "state_hash" BYTEA NOT NULL,
    "kind" TEXT NOT NULL,
    "nonce_hash" BYTEA,
    "browser_binding_hash" BYTEA NOT NULL,
    "redirect_uri" TEXT NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "used_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "oauth_states_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "events" (
    "id" TEXT NOT NULL,
    "project_id" TEXT NOT NULL,
    "tenant_id" TEXT,
    "tenant_external_id" TEXT,
    "type" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "events_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "credential_history" (
    "id" TEXT NOT NULL,
    "project_id" TEXT NOT NULL,
    "tenant_id" TEXT NOT NULL,
    "installation_id" TEXT,
    "connection_id" TEXT,
    "action" TEXT NOT NULL,
    "session_id" TEXT,
    "previous" JSONB,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "credential_history_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "provider_apps_project_id_provider_idx" ON "provider_apps"("project_id", "provider");

-- CreateIndex
CREATE INDEX "provider_apps_credential_expires_at_idx" ON "provider_apps"("credential_expires_at");

-- CreateIndex
CREATE UNIQUE INDEX "installations_tenant_id_provider_key" ON "installations"("tenant_id", "provider");

-- CreateIndex
CREATE INDEX "installations_project_id_id_idx" ON "installations"("project_id", "id");

-- CreateIndex
CREATE INDEX "installations_app_id_idx" ON "installations"("app_id");

-- CreateIndex
CREATE INDEX "installations_refresh_at_idx" ON "installations"("refresh_at");

-- CreateIndex
CREATE UNIQUE INDEX "connections_tenant_id_provider_user_id_key" ON "connections"("tenant_id", "provider", "user_id");

-- CreateIndex
CREATE INDEX "connections_project_id_id_idx" ON "connections"("project_id", "id");

-- CreateIndex
CREATE INDEX "connections_installation_id_idx" ON "connections"("installation_id");

-- CreateIndex
CREATE INDEX "connections_app_id_idx" ON "connections"("app_id");

-- CreateIndex
CREATE INDEX "connections_refresh_at_idx" ON "connections"("refresh_at");

-- CreateIndex
CREATE INDEX "connections_keep_alive_at_idx" ON "connections"("keep_alive_at");

-- CreateIndex
CREATE UNIQUE INDEX "connect_sessions_token_hash_key" ON "connect_sessions"("token_hash");

-- CreateIndex
CREATE INDEX "connect_sessions_project_id_tenant_id_idx" ON "connect_sessions"("project_id", "tenant_id");

-- CreateIndex
CREATE INDEX "connect_sessions_expires_at_idx" ON "connect_sessions"("expires_at");

-- CreateIndex
CREATE UNIQUE INDEX "oauth_states_state_hash_key" ON "oauth_states"("state_hash");

-- CreateIndex
CREATE INDEX "oauth_states_session_id_idx" ON "oauth_states"("session_id");

-- CreateIndex
CREATE INDEX "oauth_states_expires_at_idx" ON "oauth_states"("expires_at");

-- CreateIndex
CREATE INDEX "events_project_id_id_idx" ON "events"("project_id", "id");

-- CreateIndex
CREATE INDEX "events_project_id_type_idx" ON "events"("project_id", "type");

-- CreateIndex
CREATE INDEX "credential_history_project_id_installation_id_idx" ON "credential_history"("project_id", "installation_id");

-- CreateIndex
CREATE INDEX "credential_history_project_id_connection_id_idx" ON "credential_history"("project_id", "connection_id");

-- AddForeignKey
ALTER TABLE "provider_apps" ADD CONSTRAINT "provider_apps_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "installations" ADD CONSTRAINT "installations_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "installations" ADD CONSTRAINT "installations_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "installations" ADD CONSTRAINT "installations_app_id_fkey" FOREIGN KEY ("app_id") REFERENCES "provider_apps"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "connections" ADD CONSTRAINT "connections_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "connections" ADD CONSTRAINT "connections_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "connections" ADD CONSTRAINT "connections_app_id_fkey" FOREIGN KEY ("app_id") REFERENCES "provider_apps"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "connections" ADD CONSTRAINT "connections_installation_id_fkey" FOREIGN KEY ("installation_id") REFERENCES "installations"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "connect_sessions" ADD CONSTRAINT "connect_sessions_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "connect_sessions" ADD CONSTRAINT "connect_sessions_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "connect_sessions" ADD CONSTRAINT "connect_sessions_app_id_fkey" FOREIGN KEY ("app_id") REFERENCES "provider_apps"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "oauth_states" ADD CONSTRAINT "oauth_states_session_id_fkey" FOREIGN KEY ("session_id") REFERENCES "connect_sessions"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "events" ADD CONSTRAINT "events_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "events" ADD CONSTRAINT "events_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "credential_history" ADD CONSTRAINT "credential_history_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "credential_history" ADD CONSTRAINT "credential_history_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;
