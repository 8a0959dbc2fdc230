// Package api is the REST transport under /api/v1, described by the
// OpenAPI 3.1 document it serves at /openapi.json. Handlers call domain
// services and never touch SQL; domain errors become JSON bodies
// {code, message, details} with the status their code names.
//
// Clients authenticate with "Authorization: Bearer <token>", where the token
// comes from POST /api/v1/session or is an API token from POST /api/v1/tokens.
package api
