/**
 * Every key the stack config may hold, for "no such key" errors that catch typos.
 */
import { DEFAULTS, SERVICE_NAMES, ServiceName } from "../defaults";
import { CLIENT_SECRET_KEYS } from "./client-security";
import { IMAGES_KEYS } from "./images";
import { CREDENTIAL_KEYS } from "./types";

/** Keys of `lakehouse:kubernetes`. */
export const KUBERNETES_KEYS = [
    "namespace",
    "kubeconfig",
    "context",
    "renderYamlToDirectory",
    "access",
    "nodeAddress",
    "nodePortBase",
    "clusterDomain",
    // Moved to `images.registry`: kept here so the reader answers with where it went, not "no such key".
    "imageRegistry",
    "storageClass",
    "volumeSizeGiB",
    "nodeSelector",
    "tolerations",
] as const;

/** Known keys of each object-valued setting, for "unknown key" errors that catch typos. */
export const OBJECT_KEYS: Record<string, readonly string[]> = {
    images: IMAGES_KEYS,
    source: [...Object.keys(DEFAULTS.source), "tls"],
    kafka: [...Object.keys(DEFAULTS.kafka), "security"],
    connect: ["workers", "groupId", "autoRestart"],
    storage: Object.keys(DEFAULTS.storage),
    nessie: Object.keys(DEFAULTS.nessie),
    iceberg: Object.keys(DEFAULTS.iceberg),
    flink: [...Object.keys(DEFAULTS.flink), "checkpointsUri", "savepointsUri", "highAvailabilityStorageUri", "tls"],
    dremio: Object.keys(DEFAULTS.dremio),
    pipeline: Object.keys(DEFAULTS.pipeline),
    maintenance: Object.keys(DEFAULTS.maintenance),
    resources: SERVICE_NAMES,
    external: SERVICE_NAMES,
    kubernetes: KUBERNETES_KEYS,
};

/** Keys of each `lakehouse:external.<service>` entry. */
export const EXTERNAL_KEYS: Record<ServiceName, readonly string[]> = {
    postgres: ["address"],
    kafka: ["bootstrapServers"],
    connect: ["url", "caCert"],
    minio: ["endpoint", "caCert"],
    nessie: ["url", "caCert"],
    flink: ["restUrl", "sqlGatewayUrl", "caCert"],
    dremio: ["url", "caCert"],
};

/** Top-level keys that hold one value (not an object). */
const SCALAR_KEYS = ["platform", "exposePorts", "hostPortOffset", "awsRegion", "startTimeoutSeconds", "externalCheckTimeoutSeconds", "allowDataLoss"];

/** Every top-level key under `lakehouse:`. */
export const TOP_LEVEL_KEYS = [...SCALAR_KEYS, ...Object.keys(OBJECT_KEYS), ...CREDENTIAL_KEYS, ...CLIENT_SECRET_KEYS];
