//! The daemon's OpenAPI 3.0.3 document, served at `GET /openapi.json`: exactly the API of
//! docs/DAEMON.md. Tests below check it against that file's table and against the JSON shapes
//! in [`super::client`], so the three cannot drift apart.

use serde_json::{json, Map, Value};

/// A `$ref` to `#/components/{section}/{name}`.
fn reference(section: &str, name: &str) -> Value {
    json!({ "$ref": format!("#/components/{section}/{name}") })
}

fn schema(name: &str) -> Value {
    reference("schemas", name)
}

fn param(name: &str) -> Value {
    reference("parameters", name)
}

/// A JSON answer with the schema `name`.
fn json_response(description: &str, schema_name: &str) -> Value {
    json!({ "description": description, "content": { "application/json": { "schema": schema(schema_name) } } })
}

/// The operation's responses: `ok` (status → response) and the shared error responses named in
/// `errors` ("400", "401", ...).
fn responses(ok: &[(&str, Value)], errors: &[&str]) -> Value {
    let mut map = Map::new();
    for (status, response) in ok {
        map.insert((*status).to_string(), response.clone());
    }
    for status in errors {
        let name = match *status {
            "400" => "BadRequest",
            "401" => "Unauthorized",
            "404" => "NotFound",
            "409" => "Conflict",
            "413" => "TooLarge",
            "429" => "RateLimited",
            "503" => "Unavailable",
            other => panic!("no shared response for {other}"),
        };
        map.insert((*status).to_string(), reference("responses", name));
    }
    Value::Object(map)
}

/// An operation under `/v1/`: bearer authentication, and 401, 429 and 503 besides `errors`.
fn v1_operation(id: &str, summary: &str, parameters: &[&str], ok: &[(&str, Value)], errors: &[&str]) -> Value {
    let mut all: Vec<&str> = errors.to_vec();
    all.extend(["401", "429", "503"]);
    all.sort_unstable();
    all.dedup();
    let mut operation = json!({
        "operationId": id,
        "summary": summary,
        "tags": [if id.contains("ircuit") { "circuits" } else { "jobs" }],
        "security": [{ "bearerAuth": [] }],
        "responses": responses(ok, &all),
    });
    if !parameters.is_empty() {
        operation["parameters"] = parameters.iter().map(|p| param(p)).collect();
    }
    operation
}

fn binary_body(description: &str) -> Value {
    json!({
        "description": description,
        "required": true,
        "content": { "application/octet-stream": { "schema": { "type": "string", "format": "binary" } } },
    })
}

fn paths() -> Value {
    let circuit = || json_response("The circuit.", "Circuit");
    let job = || json_response("The job.", "Job");
    json!({
        "/v1/circuits": {
            "post": v1_operation(
                "uploadCircuit",
                "Upload a .zkey as a circuit (its id is the SHA-256 of the bytes)",
                &["CircuitName"],
                &[("200", json_response("This tenant already had the circuit.", "Circuit")),
                  ("201", json_response("The circuit was created.", "Circuit"))],
                &["400", "413"],
            ),
            "get": v1_operation(
                "listCircuits",
                "This tenant's circuits",
                &[],
                &[("200", json_response("The circuits.", "CircuitList"))],
                &[],
            ),
        },
        "/v1/circuits/{id}": {
            "get": v1_operation("getCircuit", "One circuit", &["CircuitId"], &[("200", circuit())], &["400", "404"]),
            "delete": v1_operation(
                "deleteCircuit",
                "Delete a circuit and its stored .zkey",
                &["CircuitId"],
                &[("204", json!({ "description": "Deleted." }))],
                &["400", "404", "409"],
            ),
        },
        "/v1/circuits/{id}/jobs": {
            "post": v1_operation(
                "submitGroth16Job",
                "Submit a Groth16 proof job: the witness (.wtns bytes) for this circuit",
                &["CircuitId", "Priority", "IdempotencyKey"],
                &[("200", json_response("The existing job for this Idempotency-Key.", "Job")),
                  ("201", json_response("The job was queued.", "Job"))],
                &["400", "404", "413"],
            ),
        },
        "/v1/jobs": {
            "post": v1_operation(
                "submitRawJob",
                "Submit a raw MSM, NTT, Poseidon or Merkle job",
                &["Priority", "IdempotencyKey"],
                &[("200", json_response("The existing job for this Idempotency-Key.", "Job")),
                  ("201", json_response("The job was queued.", "Job"))],
                &["400", "413"],
            ),
            "get": v1_operation(
                "listJobs",
                "This tenant's jobs, newest first",
                &["JobStateFilter", "Limit"],
                &[("200", json_response("The jobs.", "JobList"))],
                &["400"],
            ),
        },
        "/v1/jobs/{id}": {
            "get": v1_operation("getJob", "One job", &["JobId"], &[("200", job())], &["400", "404"]),
        },
        "/v1/jobs/{id}/result": {
            "get": v1_operation(
                "getJobResult",
                "A done job's result (409 not_done before)",
                &["JobId"],
                &[("200", json_response("The result.", "JobResult"))],
                &["400", "404", "409"],
            ),
        },
        "/v1/jobs/{id}/cancel": {
            "post": v1_operation(
                "cancelJob",
                "Cancel a queued or running job (409 not_cancellable once finished)",
                &["JobId"],
                &[("200", json_response("The job, now cancelled.", "Job"))],
                &["400", "404", "409"],
            ),
        },
        "/healthz": {
            "get": {
                "operationId": "healthz",
                "summary": "Liveness: 200 while the process runs",
                "tags": ["operations"],
                "responses": { "200": json_response("The process runs.", "Health") },
            },
        },
        "/readyz": {
            "get": {
                "operationId": "readyz",
                "summary": "Readiness: the database and the artifact store answer and a device is present",
                "tags": ["operations"],
                "responses": {
                    "200": json_response("Ready to take jobs.", "Ready"),
                    "503": json_response("Not ready (or shutting down); the checks say why.", "Ready"),
                },
            },
        },
        "/metrics": {
            "get": {
                "operationId": "metrics",
                "summary": "Prometheus metrics (text exposition format 0.0.4)",
                "tags": ["operations"],
                "responses": {
                    "200": {
                        "description": "Every zkaccel_* series.",
                        "content": { "text/plain": { "schema": { "type": "string" } } },
                    },
                },
            },
        },
        "/openapi.json": {
            "get": {
                "operationId": "openapi",
                "summary": "This document",
                "tags": ["operations"],
                "responses": {
                    "200": {
                        "description": "The OpenAPI 3.0 document.",
                        "content": { "application/json": { "schema": { "type": "object" } } },
                    },
                },
            },
        },
    })
}

fn parameters() -> Value {
    json!({
        "CircuitId": {
            "name": "id", "in": "path", "required": true,
            "description": "The circuit's id: the SHA-256 of its .zkey, lower-case hex.",
            "schema": schema("CircuitId"),
        },
        "JobId": {
            "name": "id", "in": "path", "required": true,
            "description": "The job's id.",
            "schema": schema("JobId"),
        },
        "CircuitName": {
            "name": "name", "in": "query", "required": false,
            "description": "A name for the circuit, for people: 1 to 200 characters, no control characters.",
            "schema": { "type": "string", "minLength": 1, "maxLength": 200, "pattern": "^[^\\u0000-\\u001F\\u007F-\\u009F]+$" },
        },
        "Priority": {
            "name": "priority", "in": "query", "required": false,
            "description": "Higher runs first; oldest first within a priority.",
            "schema": { "type": "integer", "minimum": -100, "maximum": 100, "default": 0 },
        },
        "IdempotencyKey": {
            "name": "Idempotency-Key", "in": "header", "required": false,
            "description": "Printable ASCII. Returns this tenant's existing job with this key (200) instead of \
                            making a second one, also under concurrent submissions.",
            "schema": { "type": "string", "minLength": 1, "maxLength": 200, "pattern": "^[!-~]([ -~]*[!-~])?$" },
        },
        "JobStateFilter": {
            "name": "state", "in": "query", "required": false,
            "description": "Only jobs in this state.",
            "schema": schema("JobState"),
        },
        "Limit": {
            "name": "limit", "in": "query", "required": false,
            "description": "At most this many jobs.",
            "schema": { "type": "integer", "minimum": 1, "maximum": 1000 },
        },
    })
}

fn error_response(description: &str, retry_after: bool) -> Value {
    let mut response = json_response(description, "Error");
    if retry_after {
        response["headers"] = json!({
            "Retry-After": {
                "description": "Seconds to wait before retrying.",
                "schema": { "type": "integer", "minimum": 0 },
            },
        });
    }
    response
}

fn shared_responses() -> Value {
    json!({
        "BadRequest": error_response(
            "Malformed request: bad_request, bad_zkey, bad_witness, witness_mismatch, bad_job or bad_idempotency_key.",
            false,
        ),
        "Unauthorized": error_response("unauthorized: missing, malformed, unknown or revoked token.", false),
        "NotFound": error_response(
            "not_found or unknown_circuit (another tenant's ids answer this too).",
            false,
        ),
        "Conflict": error_response("not_done, not_cancellable or circuit_in_use.", false),
        "TooLarge": error_response("too_large: above the tenant's request-size limit.", false),
        "RateLimited": error_response("rate_limited.", true),
        "Unavailable": error_response("not_ready or shutting_down.", true),
    })
}

/// The shapes of answers: circuits, jobs, errors, health.
fn answer_schemas() -> Map<String, Value> {
    let nullable_time = json!({ "type": "string", "format": "date-time", "nullable": true });
    let nullable_ms = json!({ "type": "number", "minimum": 0, "nullable": true });
    let schemas = json!({
        "CircuitId": {
            "type": "string", "pattern": "^[0-9a-f]{64}$",
            "description": "SHA-256 of the .zkey, lower-case hex.",
            "example": "3f2a9c0d4b1e8f7a6c5d4e3b2a1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a39",
        },
        "JobId": { "type": "string", "format": "uuid", "example": "6f1c2b7e-8a4d-4c1e-9b0a-3d5e7f9a1b2c" },
        "JobKind": { "type": "string", "enum": ["groth16", "msm", "ntt", "poseidon", "merkle"] },
        "JobState": { "type": "string", "enum": ["queued", "running", "done", "failed", "cancelled"] },
        "Circuit": {
            "type": "object",
            "required": ["id", "name", "size_bytes", "n_vars", "n_public", "domain_size", "created_at"],
            "properties": {
                "id": schema("CircuitId"),
                "name": { "type": "string", "nullable": true },
                "size_bytes": { "type": "integer", "minimum": 0 },
                "n_vars": { "type": "integer", "minimum": 0 },
                "n_public": { "type": "integer", "minimum": 0 },
                "domain_size": { "type": "integer", "minimum": 0 },
                "created_at": { "type": "string", "format": "date-time" },
            },
        },
        "CircuitList": {
            "type": "object", "required": ["circuits"],
            "properties": { "circuits": { "type": "array", "items": schema("Circuit") } },
        },
        "JobTimings": {
            "type": "object",
            "required": ["queued_ms", "running_ms", "total_ms"],
            "properties": { "queued_ms": nullable_ms, "running_ms": nullable_ms, "total_ms": nullable_ms },
        },
        "Job": {
            "type": "object",
            "required": [
                "id", "kind", "circuit_id", "state", "priority", "attempts", "max_attempts", "idempotency_key",
                "last_error", "created_at", "started_at", "finished_at", "timings",
            ],
            "properties": {
                "id": schema("JobId"),
                "kind": schema("JobKind"),
                "circuit_id": {
                    "type": "string", "pattern": "^[0-9a-f]{64}$", "nullable": true,
                    "description": "The circuit a groth16 job proves; null for raw jobs.",
                },
                "state": schema("JobState"),
                "priority": { "type": "integer", "minimum": -100, "maximum": 100 },
                "attempts": { "type": "integer", "minimum": 0 },
                "max_attempts": { "type": "integer", "minimum": 0 },
                "idempotency_key": { "type": "string", "maxLength": 200, "nullable": true },
                "last_error": { "type": "string", "nullable": true },
                "created_at": { "type": "string", "format": "date-time" },
                "started_at": nullable_time,
                "finished_at": nullable_time,
                "timings": schema("JobTimings"),
            },
        },
        "JobList": {
            "type": "object", "required": ["jobs"],
            "properties": { "jobs": { "type": "array", "items": schema("Job") } },
        },
        "Error": {
            "type": "object", "required": ["error"],
            "properties": {
                "error": {
                    "type": "object", "required": ["code", "message"],
                    "properties": {
                        "code": { "type": "string", "description": "Stable, to match on (docs/DAEMON.md lists them)." },
                        "message": { "type": "string", "description": "For people." },
                    },
                },
            },
            "example": { "error": { "code": "unknown_circuit", "message": "no circuit 3f2a… for this tenant" } },
        },
        "Health": {
            "type": "object", "required": ["status"],
            "properties": { "status": { "type": "string", "enum": ["ok"] } },
        },
        "Ready": {
            "type": "object", "required": ["status", "checks"],
            "properties": {
                "status": { "type": "string", "enum": ["ready", "not_ready"] },
                "checks": {
                    "type": "object",
                    "description": "Each check's outcome: accepting, database, artifacts (\"ok\" or the error), devices.",
                },
            },
        },
    });
    let Value::Object(map) = schemas else { unreachable!("an object literal") };
    map
}

/// The shapes of raw jobs and results.
fn job_schemas() -> Map<String, Value> {
    // Exactly one of the inline inputs or `random`.
    let inline_or_random = |inline: &[&str]| json!([{ "required": inline }, { "required": ["random"] }]);
    let elements = || json!({ "type": "array", "items": schema("FieldElement") });
    let schemas = json!({
        "FieldElement": {
            "type": "string", "pattern": "^(0x[0-9a-fA-F]+|[0-9]+)$",
            "description": "A decimal or 0x-hex integer below the field's modulus (never reduced: larger values are \
                            rejected with bad_job).",
            "example": "12345",
        },
        "G1Point": {
            "type": "array", "items": schema("FieldElement"), "minItems": 2, "maxItems": 2,
            "description": "Affine [x, y] on BN254 G1; [\"0\", \"0\"] is the identity.",
            "example": ["1", "2"],
        },
        "RandomInputs": {
            "type": "object", "required": ["size", "seed"], "additionalProperties": false,
            "description": "Inputs generated deterministically from the seed instead of sent inline.",
            "properties": {
                "size": { "type": "integer", "minimum": 0 },
                "seed": { "type": "integer", "minimum": 0, "maximum": 18_446_744_073_709_551_615_u64 },
            },
        },
        "MsmJob": {
            "type": "object", "required": ["kind"], "additionalProperties": false,
            "description": "Σ scalars[i]·bases[i] over G1; bases and scalars have equal lengths.",
            "properties": {
                "kind": { "type": "string", "enum": ["msm"] },
                "bases": { "type": "array", "items": schema("G1Point") },
                "scalars": elements(),
                "random": schema("RandomInputs"),
            },
            "oneOf": inline_or_random(&["bases", "scalars"]),
            "example": { "kind": "msm", "bases": [["1", "2"]], "scalars": ["3"] },
        },
        "NttJob": {
            "type": "object", "required": ["kind"], "additionalProperties": false,
            "description": "An NTT over the plain domain of the values' length (a power of two).",
            "properties": {
                "kind": { "type": "string", "enum": ["ntt"] },
                "values": elements(),
                "inverse": { "type": "boolean", "default": false },
                "random": schema("RandomInputs"),
            },
            "oneOf": inline_or_random(&["values"]),
            "example": { "kind": "ntt", "values": ["1", "2", "3", "4"], "inverse": false },
        },
        "PoseidonJob": {
            "type": "object", "required": ["kind", "arity"], "additionalProperties": false,
            "description": "Circomlib Poseidon of each input row (each row has `arity` elements).",
            "properties": {
                "kind": { "type": "string", "enum": ["poseidon"] },
                "arity": { "type": "integer", "minimum": 1, "maximum": 16 },
                "inputs": { "type": "array", "items": elements() },
                "random": schema("RandomInputs"),
            },
            "oneOf": inline_or_random(&["inputs"]),
            "example": { "kind": "poseidon", "arity": 2, "inputs": [["1", "2"]] },
        },
        "MerkleJob": {
            "type": "object", "required": ["kind"], "additionalProperties": false,
            "description": "The root of a binary Poseidon Merkle tree over a power of two leaves (at least 2).",
            "properties": {
                "kind": { "type": "string", "enum": ["merkle"] },
                "leaves": elements(),
                "random": schema("RandomInputs"),
            },
            "oneOf": inline_or_random(&["leaves"]),
            "example": { "kind": "merkle", "leaves": ["1", "2", "3", "4"] },
        },
        "RawJob": {
            "oneOf": [schema("MsmJob"), schema("NttJob"), schema("PoseidonJob"), schema("MerkleJob")],
            "discriminator": {
                "propertyName": "kind",
                "mapping": {
                    "msm": "#/components/schemas/MsmJob",
                    "ntt": "#/components/schemas/NttJob",
                    "poseidon": "#/components/schemas/PoseidonJob",
                    "merkle": "#/components/schemas/MerkleJob",
                },
            },
        },
        "Groth16Proof": {
            "type": "object", "required": ["pi_a", "pi_b", "pi_c", "protocol", "curve"],
            "description": "snarkjs's proof.json.",
            "properties": {
                "pi_a": { "type": "array", "items": { "type": "string" }, "minItems": 3, "maxItems": 3 },
                "pi_b": {
                    "type": "array", "minItems": 3, "maxItems": 3,
                    "items": { "type": "array", "items": { "type": "string" }, "minItems": 2, "maxItems": 2 },
                },
                "pi_c": { "type": "array", "items": { "type": "string" }, "minItems": 3, "maxItems": 3 },
                "protocol": { "type": "string", "enum": ["groth16"] },
                "curve": { "type": "string", "enum": ["bn128"] },
            },
        },
        "Groth16Result": {
            "type": "object", "required": ["proof", "public"],
            "properties": {
                "proof": schema("Groth16Proof"),
                "public": { "type": "array", "items": { "type": "string" }, "description": "snarkjs's public.json." },
            },
        },
        "MsmResult": { "type": "object", "required": ["point"], "properties": { "point": schema("G1Point") } },
        "NttResult": { "type": "object", "required": ["values"], "properties": { "values": elements() } },
        "PoseidonResult": { "type": "object", "required": ["hashes"], "properties": { "hashes": elements() } },
        "MerkleResult": { "type": "object", "required": ["root"], "properties": { "root": schema("FieldElement") } },
        "JobResult": {
            "oneOf": [
                schema("Groth16Result"), schema("MsmResult"), schema("NttResult"),
                schema("PoseidonResult"), schema("MerkleResult"),
            ],
        },
    });
    let Value::Object(map) = schemas else { unreachable!("an object literal") };
    map
}

/// The OpenAPI 3.0.3 document of the daemon's API (docs/DAEMON.md).
pub fn document() -> Value {
    let mut schemas = answer_schemas();
    schemas.extend(job_schemas());
    let mut doc = json!({
        "openapi": "3.0.3",
        "info": {
            "title": "zkaccel proving daemon",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Groth16 proofs of circom circuits and raw MSM/NTT/Poseidon/Merkle jobs on a rig's \
                            devices, through a durable job queue. Every request under /v1/ carries a tenant's \
                            bearer token; a tenant sees only its own circuits and jobs.",
        },
        "tags": [
            { "name": "circuits", "description": "Proving keys (.zkey), named by their SHA-256." },
            { "name": "jobs", "description": "Groth16 and raw jobs, their state and results." },
            { "name": "operations", "description": "Health, readiness, metrics and this document." },
        ],
        "paths": paths(),
        "components": {
            "securitySchemes": {
                "bearerAuth": { "type": "http", "scheme": "bearer", "description": "A tenant's API token." },
            },
            "parameters": parameters(),
            "responses": shared_responses(),
            "schemas": schemas,
        },
    });
    // Request bodies, added here to keep each json! literal within the macro's recursion limit.
    let paths = &mut doc["paths"];
    paths["/v1/circuits"]["post"]["requestBody"] =
        binary_body("The .zkey bytes (streamed to storage, never held whole in memory).");
    paths["/v1/circuits/{id}/jobs"]["post"]["requestBody"] = binary_body("The witness: .wtns bytes.");
    paths["/v1/jobs"]["post"]["requestBody"] = json!({
        "description": "A raw job; field elements are decimal or 0x-hex strings; `random` replaces inline inputs.",
        "required": true,
        "content": { "application/json": { "schema": schema("RawJob") } },
    });
    doc
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::daemon::client::{
        CircuitInfo, ErrorBody, JobInfo, JobKind, JobState, JobTimings, JOB_KINDS, JOB_STATES,
    };

    const METHODS: [&str; 5] = ["get", "post", "put", "delete", "patch"];

    /// (method, path) of every row of docs/DAEMON.md's API table, query strings removed.
    fn documented_routes() -> Vec<(String, String)> {
        let docs = include_str!("../../../docs/DAEMON.md");
        let mut routes = Vec::new();
        for line in docs.lines() {
            let Some(rest) = line.strip_prefix("| `") else { continue };
            let Some((route, _)) = rest.split_once('`') else { continue };
            let Some((method, path)) = route.split_once(' ') else { continue };
            if !["GET", "POST", "PUT", "DELETE", "PATCH"].contains(&method) {
                continue;
            }
            let path = path.split('?').next().unwrap();
            routes.push((method.to_lowercase(), path.to_string()));
        }
        routes
    }

    fn operations(doc: &Value) -> Vec<(String, String, &Value)> {
        let mut out = Vec::new();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                assert!(METHODS.contains(&method.as_str()), "{path}: {method}");
                out.push((method.clone(), path.clone(), op));
            }
        }
        out
    }

    fn resolve<'a>(doc: &'a Value, reference: &str) -> Option<&'a Value> {
        doc.pointer(reference.strip_prefix('#')?)
    }

    fn collect_refs(value: &Value, out: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                for (key, v) in map {
                    match (key.as_str(), v) {
                        ("$ref", Value::String(r)) => out.push(r.clone()),
                        _ => collect_refs(v, out),
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|v| collect_refs(v, out)),
            _ => {}
        }
    }

    #[test]
    fn every_documented_route_and_only_those() {
        let doc = document();
        let text = serde_json::to_string(&doc).unwrap();
        let doc: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(doc["openapi"], "3.0.3");
        let documented: BTreeSet<_> = documented_routes().into_iter().collect();
        assert_eq!(documented.len(), 14, "the table in docs/DAEMON.md: {documented:?}");
        let described: BTreeSet<_> = operations(&doc).into_iter().map(|(m, p, _)| (m, p)).collect();
        assert_eq!(described, documented);
    }

    #[test]
    fn operations_have_ids_security_and_their_statuses() {
        let doc = document();
        let mut ids = BTreeSet::new();
        for (method, path, op) in operations(&doc) {
            let id = op["operationId"].as_str().unwrap_or_else(|| panic!("{method} {path}: operationId"));
            assert!(ids.insert(id.to_string()), "duplicate operationId {id}");
            let statuses: BTreeSet<&str> = op["responses"].as_object().unwrap().keys().map(String::as_str).collect();
            assert!(statuses.iter().any(|s| s.starts_with('2')), "{id}: a success status");
            if path.starts_with("/v1/") {
                assert_eq!(op["security"], json!([{ "bearerAuth": [] }]), "{id}");
                for status in ["401", "429"] {
                    assert!(statuses.contains(status), "{id}: {status}");
                }
            } else {
                assert!(op.get("security").is_none(), "{id} is open");
            }
            if path.contains("{id}") {
                assert!(statuses.contains("404") && statuses.contains("400"), "{id}: 400 and 404 for a bad id");
            }
            if method == "post" && (path.ends_with("circuits") || path.ends_with("jobs")) {
                assert!(statuses.contains("413") && statuses.contains("400"), "{id}");
                assert!(op["requestBody"]["required"].as_bool().unwrap(), "{id}");
            }
        }
        let status_of = |path: &str, method: &str| {
            doc["paths"][path][method]["responses"].as_object().unwrap().keys().cloned().collect::<Vec<_>>()
        };
        assert!(status_of("/v1/jobs/{id}/result", "get").contains(&"409".to_string()));
        assert!(status_of("/v1/jobs/{id}/cancel", "post").contains(&"409".to_string()));
        assert!(status_of("/v1/circuits/{id}", "delete").contains(&"409".to_string()));
        assert!(status_of("/v1/circuits/{id}", "delete").contains(&"204".to_string()));
        let ready = &doc["paths"]["/readyz"]["get"]["responses"];
        assert_eq!(ready["503"]["content"]["application/json"]["schema"], schema("Ready"), "503 has the checks too");
        for (path, method) in [("/v1/circuits", "post"), ("/v1/circuits/{id}/jobs", "post"), ("/v1/jobs", "post")] {
            assert_eq!(status_of(path, method).iter().filter(|s| s.starts_with('2')).count(), 2, "{path}: 200 and 201");
        }
        assert_eq!(ids.len(), 14);
    }

    #[test]
    fn parameters_and_bodies_match_the_docs() {
        let doc = document();
        let p = &doc["components"]["parameters"];
        assert_eq!(p["Priority"]["schema"]["minimum"], -100);
        assert_eq!(p["Priority"]["schema"]["maximum"], 100);
        assert_eq!((p["Priority"]["in"].as_str(), p["Priority"]["name"].as_str()), (Some("query"), Some("priority")));
        assert_eq!(p["IdempotencyKey"]["in"], "header");
        assert_eq!(p["IdempotencyKey"]["name"], "Idempotency-Key");
        assert_eq!(p["IdempotencyKey"]["schema"]["maxLength"], 200);
        assert_eq!(
            (p["Limit"]["schema"]["minimum"].as_i64(), p["Limit"]["schema"]["maximum"].as_i64()),
            (Some(1), Some(1000))
        );
        let states: Vec<JobState> =
            serde_json::from_value(doc["components"]["schemas"]["JobState"]["enum"].clone()).unwrap();
        assert_eq!(states, JOB_STATES);
        let kinds: Vec<JobKind> =
            serde_json::from_value(doc["components"]["schemas"]["JobKind"]["enum"].clone()).unwrap();
        assert_eq!(kinds, JOB_KINDS);
        let paths = &doc["paths"];
        for path in ["/v1/circuits", "/v1/circuits/{id}/jobs"] {
            let content = paths[path]["post"]["requestBody"]["content"].as_object().unwrap();
            assert_eq!(content.keys().collect::<Vec<_>>(), ["application/octet-stream"], "{path}");
        }
        let submit = &paths["/v1/circuits/{id}/jobs"]["post"]["parameters"];
        assert_eq!(submit.as_array().unwrap().len(), 3);
        let raw = &doc["components"]["schemas"]["RawJob"];
        assert_eq!(raw["discriminator"]["propertyName"], "kind");
        assert_eq!(raw["oneOf"].as_array().unwrap().len(), 4);
        // The raw job examples are jobs the daemon's parser accepts.
        for name in ["MsmJob", "NttJob", "PoseidonJob", "MerkleJob"] {
            let example = serde_json::to_vec(&doc["components"]["schemas"][name]["example"]).unwrap();
            let job = crate::daemon::raw_jobs::RawJob::from_json(&example).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(job.prepare(&Default::default()).is_ok(), "{name}");
        }
    }

    #[test]
    fn every_ref_resolves() {
        let doc = document();
        let mut refs = Vec::new();
        collect_refs(&doc, &mut refs);
        assert!(refs.len() > 30);
        for reference in &refs {
            assert!(resolve(&doc, reference).is_some(), "{reference} does not resolve");
        }
        for mapped in doc["components"]["schemas"]["RawJob"]["discriminator"]["mapping"].as_object().unwrap().values() {
            assert!(resolve(&doc, mapped.as_str().unwrap()).is_some(), "{mapped}");
        }
        // Every component is used somewhere.
        for section in ["schemas", "parameters", "responses"] {
            for name in doc["components"][section].as_object().unwrap().keys() {
                let target = format!("#/components/{section}/{name}");
                assert!(refs.contains(&target), "{target} is never used");
            }
        }
    }

    /// The schemas name exactly the fields the client's (and server's) structs serialise, and
    /// the nullable ones are the `Option`s.
    #[test]
    fn schemas_match_the_rust_shapes() {
        let doc = document();
        let schemas = &doc["components"]["schemas"];
        let job = JobInfo {
            id: "6f1c2b7e-8a4d-4c1e-9b0a-3d5e7f9a1b2c".into(),
            kind: JobKind::Groth16,
            circuit_id: None,
            state: JobState::Queued,
            priority: 0,
            attempts: 0,
            max_attempts: 3,
            idempotency_key: None,
            last_error: None,
            created_at: "2025-01-01T00:00:00Z".into(),
            started_at: None,
            finished_at: None,
            timings: JobTimings::default(),
        };
        let circuit = CircuitInfo {
            id: "0".repeat(64),
            name: None,
            size_bytes: 1,
            n_vars: 1,
            n_public: 0,
            domain_size: 1,
            created_at: "2025-01-01T00:00:00Z".into(),
        };
        let samples = [
            ("Job", serde_json::to_value(&job).unwrap()),
            ("JobTimings", serde_json::to_value(&job.timings).unwrap()),
            ("Circuit", serde_json::to_value(&circuit).unwrap()),
            ("Error", serde_json::to_value(ErrorBody::new("x", "y")).unwrap()),
            ("Error", schemas["Error"]["example"].clone()),
        ];
        for (name, sample) in samples {
            let schema = &schemas[name];
            let fields: BTreeSet<&String> = sample.as_object().unwrap().keys().collect();
            let properties: BTreeSet<&String> = schema["properties"].as_object().unwrap().keys().collect();
            let required: BTreeSet<&str> =
                schema["required"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
            assert_eq!(fields, properties, "{name}");
            assert_eq!(
                required,
                properties.iter().map(|s| s.as_str()).collect(),
                "{name}: every field is always present"
            );
            for (field, value) in sample.as_object().unwrap() {
                let mut property = &schema["properties"][field];
                if let Some(r) = property.get("$ref") {
                    property = resolve(&doc, r.as_str().unwrap()).unwrap();
                }
                if value.is_null() {
                    assert_eq!(property["nullable"], true, "{name}.{field} may be null");
                }
            }
        }
    }
}
