/**
 * The CDC lakehouse program. Everything lives in components/; this file reads the stack's
 * configuration and checks the services the stack says already exist, both before any resource is
 * registered (so bad input fails fast and creates nothing), then builds the Lakehouse and returns
 * the stack outputs.
 */
import * as path from "path";
import { loadLakehouseConfig } from "./components/config";
import { readJobTemplates } from "./components/jobs";
import { Lakehouse, checkExternalServices } from "./components/lakehouse";

export = async () => {
    const repoRoot = path.resolve(__dirname);
    const { config, credentials, credentialValues } = loadLakehouseConfig();
    const jobTemplates = readJobTemplates(repoRoot);
    await checkExternalServices(config, { pgPassword: credentialValues.postgresPassword, s3Secret: credentialValues.minioRootPassword });
    const lakehouse = new Lakehouse("lakehouse", { config, credentials, repoRoot, jobTemplates, checkExternalServices: false });
    const o = lakehouse.outputs;
    // Stack outputs: a contract with other teams (README "Stack outputs").
    return {
        platform: o.platform,
        endpoints: o.endpoints,
        kafkaBootstrapServers: o.kafkaBootstrapServers,
        cdcTopics: o.cdcTopics,
        kafkaConnectUrl: o.kafkaConnectUrl,
        flinkRestUrl: o.flinkRestUrl,
        flinkSqlGatewayUrl: o.flinkSqlGatewayUrl,
        nessieApiUri: o.nessieApiUri,
        s3Endpoint: o.s3Endpoint,
        s3Region: o.s3Region,
        warehouse: o.warehouse,
        icebergCatalog: o.icebergCatalog,
        nessieBranch: o.nessieBranch,
        icebergTables: o.icebergTables,
        icebergChangeTables: o.icebergChangeTables,
        source: o.source,
        pipelineTables: o.pipelineTables,
        // Present when the services are reachable from Pulumi (published ports or external services).
        ...(o.connector ? { connector: o.connector } : {}),
        ...(o.flinkJobs ? { flinkJobs: o.flinkJobs } : {}),
        // Present only when Dremio is enabled (no "undefined output" warning otherwise).
        ...(o.dremioUrl ? { dremioUrl: o.dremioUrl } : {}),
        ...(o.dremioSource ? { dremioSource: o.dremioSource, dremioTables: o.dremioTables } : {}),
        /** Every credential of the stack, as one secret object. */
        credentials: o.credentials,
    };
};
