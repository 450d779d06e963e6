//! The discovery documents the embedded server answers with (`/ServiceProviderConfig`,
//! `/Schemas`, `/ResourceTypes`): generated from the configuration, so they advertise what
//! this server really does (filtering, cursor paging when enabled, the configured auth), or
//! taken from the served tenant when it carries its own `Schemas` / `ResourceTypes`.

use super::ServerConfig;
use crate::model::{Tenant, ENTERPRISE_SCHEMA, GROUP_SCHEMA, LIST_RESPONSE_SCHEMA, USER_SCHEMA};
use serde_json::{json, Value};

pub const SPC_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig";

pub fn service_provider_config(config: &ServerConfig, base: &str) -> Value {
    if let Some(doc) = &config.faults.service_provider_config {
        return doc.clone();
    }
    let mut schemes = Vec::new();
    if config.token.is_some() {
        schemes.push(
            json!({"type": "oauthbearertoken", "name": "OAuth Bearer Token",
            "description": "Authentication with a bearer token", "primary": true}),
        );
    }
    if config.basic.is_some() {
        schemes.push(json!({"type": "httpbasic", "name": "HTTP Basic",
            "description": "Authentication with a user name and password", "primary": config.token.is_none()}));
    }
    let mut doc = json!({
        "schemas": [SPC_SCHEMA],
        "documentationUri": "https://example.invalid/scim-doctor/embedded-server",
        "patch": {"supported": false},
        "bulk": {"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
        "filter": {"supported": true, "maxResults": config.page_size()},
        "changePassword": {"supported": false},
        "sort": {"supported": false},
        "etag": {"supported": false},
        "meta": {"resourceType": "ServiceProviderConfig", "location": format!("{base}/ServiceProviderConfig")}
    });
    if !schemes.is_empty() {
        doc["authenticationSchemes"] = Value::from(schemes);
    }
    if config.cursor {
        // RFC 9865 §4: a server that pages by cursor says so here. The page-size cap stays
        // unadvertised on purpose: it is the "silent cap" real servers have.
        doc["pagination"] = json!({
            "cursor": true,
            "index": true,
            "defaultPaginationMethod": "index",
            "defaultPageSize": config.page_size(),
            "cursorTimeout": 3600
        });
    }
    doc
}

fn list(resources: Vec<Value>) -> Value {
    json!({
        "schemas": [LIST_RESPONSE_SCHEMA],
        "totalResults": resources.len(),
        "itemsPerPage": resources.len(),
        "startIndex": 1,
        "Resources": resources
    })
}

fn attr(name: &str, kind: &str, case_exact: bool, uniqueness: &str, required: bool) -> Value {
    json!({"name": name, "type": kind, "multiValued": false, "required": required,
        "caseExact": case_exact, "mutability": "readWrite", "returned": "default", "uniqueness": uniqueness})
}

pub fn schemas(tenant: &Tenant) -> Value {
    if let Some(doc) = &tenant.discovery.schemas {
        return doc.clone();
    }
    let emails = json!({"name": "emails", "type": "complex", "multiValued": true, "required": false,
        "mutability": "readWrite", "returned": "default", "subAttributes": [
            attr("value", "string", false, "none", false),
            attr("type", "string", false, "none", false),
            attr("primary", "boolean", false, "none", false)]});
    let members = json!({"name": "members", "type": "complex", "multiValued": true, "required": false,
        "mutability": "readWrite", "returned": "default", "subAttributes": [
            attr("value", "string", true, "none", false), attr("type", "string", false, "none", false)]});
    list(vec![
        json!({"id": USER_SCHEMA, "name": "User", "attributes": [
            attr("userName", "string", false, "server", true),
            attr("externalId", "string", true, "none", false),
            attr("displayName", "string", false, "none", false),
            attr("active", "boolean", false, "none", false),
            emails]}),
        json!({"id": GROUP_SCHEMA, "name": "Group", "attributes": [
            attr("displayName", "string", false, "none", true), members]}),
        json!({"id": ENTERPRISE_SCHEMA, "name": "EnterpriseUser", "attributes": [
            attr("employeeNumber", "string", false, "none", false),
            attr("department", "string", false, "none", false)]}),
    ])
}

pub fn resource_types(tenant: &Tenant) -> Value {
    if let Some(doc) = &tenant.discovery.resource_types {
        return doc.clone();
    }
    let rt_schema = "urn:ietf:params:scim:schemas:core:2.0:ResourceType";
    list(vec![
        json!({"schemas": [rt_schema], "id": "User", "name": "User", "endpoint": "/Users", "schema": USER_SCHEMA,
            "schemaExtensions": [{"schema": ENTERPRISE_SCHEMA, "required": false}]}),
        json!({"schemas": [rt_schema], "id": "Group", "name": "Group", "endpoint": "/Groups", "schema": GROUP_SCHEMA}),
    ])
}
