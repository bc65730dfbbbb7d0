/**
 * The CDC lakehouse program. Everything lives in components/; this file reads the stack's
 * configuration (failing before any resource exists when it is wrong) and exports the outputs.
 */
import * as path from "path";
import { loadLakehouseConfig } from "./components/config";
import { Lakehouse } from "./components/lakehouse";

const { config, credentials: configuredCredentials } = loadLakehouseConfig();
const lakehouse = new Lakehouse("lakehouse", { config, credentials: configuredCredentials, repoRoot: path.resolve(__dirname) });

// Stack outputs: a contract with other teams (README "Stack outputs").
export const platform = lakehouse.outputs.platform;
export const endpoints = lakehouse.outputs.endpoints;
export const kafkaBootstrapServers = lakehouse.outputs.kafkaBootstrapServers;
export const cdcTopics = lakehouse.outputs.cdcTopics;
export const kafkaConnectUrl = lakehouse.outputs.kafkaConnectUrl;
export const flinkRestUrl = lakehouse.outputs.flinkRestUrl;
export const flinkSqlGatewayUrl = lakehouse.outputs.flinkSqlGatewayUrl;
export const nessieApiUri = lakehouse.outputs.nessieApiUri;
export const s3Endpoint = lakehouse.outputs.s3Endpoint;
export const s3Region = lakehouse.outputs.s3Region;
export const warehouse = lakehouse.outputs.warehouse;
export const icebergCatalog = lakehouse.outputs.icebergCatalog;
export const nessieBranch = lakehouse.outputs.nessieBranch;
export const icebergTables = lakehouse.outputs.icebergTables;
export const dremioUrl = lakehouse.outputs.dremioUrl;
/** Every credential of the stack, as one secret object. */
export const credentials = lakehouse.outputs.credentials;
