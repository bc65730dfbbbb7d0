/**
 * `parseLakehouseConfig`: the pure validation of a whole stack config, an outline that calls one
 * parser per section and then the rules that span sections.
 */
import { DEFAULTS } from "../defaults";
import { checkClientSecrets, CLIENT_SECRET_KEYS, ClientSecretKey, clientSecretValues } from "./client-security";
import { parseConnect } from "./connect";
import { parseCredentialsSet } from "./credentials";
import { parseDremio } from "./dremio";
import { checkExternalCoverage, checkExternalStorage, checkExternalTrust, parseExternal } from "./external";
import { parseFlink } from "./flink";
import { checkFlinkRestTls, flinkRestTlsHosts } from "./flink-tls";
import { parseIceberg } from "./iceberg";
import { parseImages } from "./images";
import { parseKafka } from "./kafka";
import { TOP_LEVEL_KEYS } from "./keys";
import { parseKubernetes } from "./kubernetes";
import { parseMaintenance } from "./maintenance";
import { parseNessie } from "./nessie";
import { parsePipeline } from "./pipeline";
import { ConfigValidationError, Reader, unknownKeyHint } from "./reader";
import { parseResources } from "./resources";
import { parseSource } from "./source";
import { parseStorage } from "./storage";
import { parseTopLevelSettings } from "./top-level";
import { CREDENTIAL_KEYS, CredentialKey, LakehouseConfig, PLATFORMS, PlatformKind } from "./types";

/** Lower-cases and replaces what Docker and Kubernetes names do not allow. */
function dockerSafeName(name: string): string {
    return name
        .toLowerCase()
        .replace(/[^a-z0-9-]+/g, "-")
        .replace(/^-+|-+$/g, "")
        .slice(0, 50);
}

/**
 * Validates and defaults a stack's configuration.
 *
 * @param values the stack's config values under the `lakehouse` namespace, keyed without it
 *   (`platform`, `flink`, ...), as Pulumi stores them: strings, objects as JSON.
 * @param secretKeys the keys (again without namespace) whose values are stored as secrets.
 * @throws ConfigValidationError listing every problem, each naming the key, the value and what is allowed.
 */
export function parseLakehouseConfig(
    values: Record<string, string>,
    secretKeys: ReadonlySet<string>,
    context: { project: string; stack: string },
): LakehouseConfig {
    const r = new Reader();
    for (const key of Object.keys(values)) {
        if (!TOP_LEVEL_KEYS.includes(key))
            r.problem(
                key,
                CREDENTIAL_KEYS.includes(key as CredentialKey) || CLIENT_SECRET_KEYS.includes(key as ClientSecretKey) ? "(a value)" : values[key],
                `no such key: ${unknownKeyHint(key, TOP_LEVEL_KEYS)}`,
            );
    }
    const namePrefix = dockerSafeName(`${context.project}-${context.stack}`);

    // Sections in this order, so the problems are listed in it.
    const platform = r.oneOf<PlatformKind>(values.platform, "platform", DEFAULTS.platform, PLATFORMS);
    const external = parseExternal(r, values);
    const topLevel = parseTopLevelSettings(r, values);
    const secrets = clientSecretValues(values);
    const source = parseSource(r, values, external, secrets);
    const kafka = parseKafka(r, values, external, secrets);
    const connect = parseConnect(r, values, context.stack);
    const storage = parseStorage(r, values);
    const nessie = parseNessie(r, values);
    const iceberg = parseIceberg(r, values);
    const flink = parseFlink(r, values, storage.bucket);
    const dremio = parseDremio(r, values);
    const images = parseImages(r, values, dremio.standIn);
    const pipeline = parsePipeline(r, values, external);
    const maintenance = parseMaintenance(r, values);
    const resources = parseResources(r, values);
    const credentialsSet = parseCredentialsSet(r, values, secretKeys);
    const clientSecretsSet = checkClientSecrets(r, values, secretKeys, { kafka: kafka.security, source: source.tls, external, flinkTls: flink.tls });

    checkExternalStorage(r, storage, external);
    checkExternalTrust(r, external, dremio.enabled);
    checkExternalCoverage(r, platform, external, { dremio: dremio.enabled, minio: storage.provider === "minio" }, credentialsSet);
    const kubernetes = parseKubernetes(r, values, { platform, external, brokers: kafka.brokers, defaultNamespace: namePrefix });
    checkFlinkRestTls(r, flink.tls, secrets.values.flinkTlsKey, external, flinkRestTlsHosts(platform, topLevel.exposePorts, kubernetes));

    if (r.problems.length > 0) throw new ConfigValidationError(r.problems);

    return {
        project: context.project,
        stack: context.stack,
        namePrefix,
        platform,
        external,
        images,
        exposePorts: topLevel.exposePorts,
        hostPortOffset: topLevel.hostPortOffset,
        allowDataLoss: topLevel.allowDataLoss,
        awsRegion: topLevel.awsRegion,
        source,
        kafka,
        connect,
        storage,
        nessie,
        iceberg,
        flink,
        dremio,
        pipeline,
        maintenance,
        resources,
        startTimeoutSeconds: topLevel.startTimeoutSeconds,
        externalCheckTimeoutSeconds: topLevel.externalCheckTimeoutSeconds,
        credentialsSet,
        clientSecretsSet,
        kubernetes,
    };
}
