/**
 * The CDC lakehouse program. Everything lives in components/; this file reads the stack's
 * configuration and checks the services the stack says already exist, both before any resource is
 * registered (so bad input fails fast and creates nothing), then builds the Lakehouse and returns
 * the stack outputs.
 */
import * as path from "path";
import { loadLakehouseConfig } from "./components/config";
import { Lakehouse, checkExternalServices } from "./components/lakehouse";

export = async () => {
    const { config, credentials, credentialValues } = loadLakehouseConfig();
    await checkExternalServices(config, { pgPassword: credentialValues.postgresPassword, s3Secret: credentialValues.minioRootPassword });
    const lakehouse = new Lakehouse("lakehouse", { config, credentials, repoRoot: path.resolve(__dirname), checkExternalServices: false });
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
        // Present only when Dremio is enabled (no "undefined output" warning otherwise).
        ...(o.dremioUrl ? { dremioUrl: o.dremioUrl } : {}),
        /** Every credential of the stack, as one secret object. */
        credentials: o.credentials,
    };
};
