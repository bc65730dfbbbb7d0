/**
 * The CDC lakehouse program. Everything lives in components/; this file reads the stack's
 * configuration and checks the services the stack says already exist, both before any resource is
 * registered (so bad input fails fast and creates nothing), then builds the Lakehouse and returns
 * its stack outputs: a contract with other teams (components/outputs, README "Stack outputs").
 */
import * as path from "path";
import { loadLakehouseConfig } from "./components/config";
import { readJobTemplates } from "./components/jobs";
import { Lakehouse, checkExternalServices } from "./components/lakehouse";
import { LakehouseOutputs } from "./components/outputs";

export = async (): Promise<LakehouseOutputs> => {
    const repoRoot = path.resolve(__dirname);
    const { config, credentials, credentialValues, clientSecrets, clientSecretValues } = loadLakehouseConfig();
    const jobTemplates = readJobTemplates(repoRoot);
    await checkExternalServices(config, { pgPassword: credentialValues.postgresPassword, s3Secret: credentialValues.minioRootPassword, ...clientSecretValues });
    const lakehouse = new Lakehouse("lakehouse", { config, credentials, clientSecrets, repoRoot, jobTemplates, checkExternalServices: false });
    return lakehouse.outputs;
};
