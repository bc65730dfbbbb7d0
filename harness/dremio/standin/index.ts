/**
 * A LOCAL STAND-IN FOR DREMIO'S REST API. THIS IS NOT DREMIO.
 *
 * Dremio cannot be obtained on this machine (no container engine, not on any reachable registry), so
 * the project's Dremio client (first-admin bootstrap, login, a NESSIE source through the catalog API)
 * is tested against this server instead. It implements only that slice of the REST API, with the
 * status codes, JSON shapes and error bodies read from Dremio's own sources (dremio-oss, tag
 * "Release 25.2.0", commit c7fee0bcd). It runs no queries, keeps no reflections, reads no Iceberg
 * metadata and never touches the object store; it does talk to the real Nessie to validate a source,
 * as Dremio does when it starts the source's plugin.
 *
 * Each file heads with the upstream files it follows:
 * - server.ts: createDremioStandin, one instance (context, routes, HTTP server); cli.ts: the process the harness runs
 * - routes.ts: paths and methods -> operations; router.ts: dispatch, 404/405, response writing
 * - request.ts: request bodies (415, bad JSON, object bodies); errors.ts: Dremio's error bodies per exception mapper
 * - auth.ts: passwords, tokens, the auth filter, "No User Available"; session.ts: login/logout
 * - users.ts: first-user bootstrap, the v3 user API
 * - catalog.ts: catalog entities and source create/update/delete; source-body.ts: reading a source body;
 *   metadata-policy.ts: metadata policies; nessie-config.ts: NESSIE config fields, defaults, secrets;
 *   nessie-plugin.ts: the checks of a NESSIE plugin start (against the real Nessie)
 * - context.ts: what an instance's handlers share; store.ts: the persisted store and tags
 *
 * Not implemented (answers 400 naming the stand-in, or is simply absent): spaces, folders, datasets,
 * views, functions, other source types, SQL/jobs, reflections, users other than the first, the
 * contents of a source (children are always []), by-path below a source root.
 */
export { createDremioStandin } from "./server";
export type { DremioStandin, DremioStandinOptions } from "./server";
export { FIRST_USER_ERROR_MSG } from "./users";
export { USE_EXISTING_SECRET_VALUE } from "./nessie-config";
export { FOLLOWS_DREMIO_VERSION } from "./session";
