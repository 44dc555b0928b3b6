//! The OpenAPI 3.1 document of the partner API, generated from the handlers and DTOs.

use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::error::{ErrorBody, ErrorDetail};
use crate::feeds::{AckRequest, AckResponse, FeedInfo, FeedItemOut, FeedList, FeedPage, Op};
use crate::prospects::{AddressIn, ProspectIn, ProspectList, ProspectOut, ProspectStatus};
use crate::records::{OutcomeOut, RecordStatusOut, Status};
use crate::runs::{LastRun, RunCounts, RunDetail, RunList, RunOut, RunStarted, RunState, StartRun};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "immohub Partner-API",
        description = "Change feeds of the ERP's master data for PropTech partners. Read a feed \
            page by page, apply the changes (idempotently, by `idempotency_key`), then \
            acknowledge the last `seq`; without `after`, reading starts at the acknowledged \
            cursor. Prospects go the other way: `POST /v1/prospects` with an `Idempotency-Key` \
            header; immohub stores each before answering and writes it into the ERP. Every `/v1` endpoint needs the connection's API key as \
            `Authorization: Bearer <key>` or `X-API-Key: <key>`. Errors carry a stable `code` \
            and a German and English message."
    ),
    paths(
        crate::feeds::list,
        crate::feeds::page,
        crate::feeds::ack,
        crate::records::status,
        crate::runs::list,
        crate::runs::last,
        crate::runs::start,
        crate::runs::detail,
        crate::webhooks::create,
        crate::webhooks::list,
        crate::webhooks::detail,
        crate::webhooks::delete,
        crate::webhooks::enable,
        crate::webhooks::rotate,
        crate::webhooks::dead_letters,
        crate::webhooks::retry,
        crate::prospects::create,
        crate::prospects::status,
        crate::prospects::list,
        crate::melon::hook,
        crate::tenants::create,
        crate::tenants::status,
        crate::tenants::list,
        crate::reviews::list,
        crate::reviews::decide,
        crate::health,
    ),
    components(schemas(
        ErrorBody,
        ErrorDetail,
        FeedList,
        FeedInfo,
        FeedPage,
        FeedItemOut,
        Op,
        AckRequest,
        AckResponse,
        RecordStatusOut,
        OutcomeOut,
        Status,
        RunList,
        RunOut,
        RunDetail,
        RunCounts,
        RunState,
        ProspectIn,
        AddressIn,
        ProspectOut,
        ProspectStatus,
        ProspectList,
        LastRun,
        StartRun,
        RunStarted,
        crate::Health,
        crate::melon::Ignored,
        crate::tenants::TenantIn,
        crate::tenants::TenantOut,
        crate::tenants::TenantList,
        crate::reviews::ReviewOut,
        crate::reviews::ReviewList,
        crate::reviews::DecisionIn,
        crate::webhooks::NewWebhook,
        crate::webhooks::WebhookOut,
        crate::webhooks::WebhookCreated,
        crate::webhooks::WebhookList,
        crate::webhooks::RotateRequest,
        crate::webhooks::RotateResponse,
        crate::webhooks::DeadLetterOut,
        crate::webhooks::DeadLetterList,
    )),
    modifiers(&SecuritySchemes),
    security(("bearer" = []), ("api_key" = [])),
    tags(
        (name = "feeds", description = "Change feeds and acknowledgement"),
        (name = "records", description = "Record status (why a record was or was not sent)"),
        (name = "runs", description = "Protocol of sync runs"),
        (name = "webhooks", description = "Push delivery: endpoints, signing secrets \
            (Standard Webhooks), dead letters"),
        (name = "prospects", description = "Prospects sent in for units; written into the ERP \
            with the connection's technical ERP user"),
        (name = "tenants", description = "Tenants accepted at the partner, with dossier \
            (\"Mieter ohne Vertrag\"); written into the ERP for staff to create the lease"),
        (name = "runs", description = "Protocol of sync runs; starting a run by hand"),
        (name = "meta", description = "Health"),
    )
)]
struct ApiDoc;

/// Declares the two ways to send the API key.
struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("The connection's API key as bearer token"))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "api_key",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "X-API-Key",
                "The connection's API key",
            ))),
        );
    }
}

/// The OpenAPI 3.1 document served at `/openapi.json`.
pub fn openapi() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}
