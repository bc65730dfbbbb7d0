/**
 * Stack configuration: the one module that reads `pulumi.Config`.
 *
 * `parseLakehouseConfig` is pure (raw key/value strings in, a typed config or every problem out),
 * so each rule is tested without mocks. `loadLakehouseConfig` is the thin reader the program calls
 * before it registers any resource.
 *
 * Files: `types.ts` (LakehouseConfig and its sections), `parse.ts` (the outline), one parser per
 * section (`source.ts`, `kafka.ts`, ...; `flink-tls.ts`: the REST certificate of a Flink the program
 * runs), `reader.ts` (typed reads that collect problems, and the error), `keys.ts` (every known key),
 * `patterns.ts` (patterns shared with components/dynamic/), `load.ts` (the `pulumi.Config` reader).
 */
export type {
    ConnectConfig,
    CredentialKey,
    DremioConfig,
    ExternalServices,
    FlinkConfig,
    FlinkRestTls,
    IcebergConfig,
    KafkaConfig,
    KubernetesAccess,
    KubernetesConfig,
    KubernetesToleration,
    LakehouseConfig,
    MaintenanceConfig,
    NessieConfig,
    NessieVersionStore,
    PipelineConfig,
    PlatformKind,
    ResourceSize,
    SourceConfig,
    StatefulServiceName,
    StorageConfig,
    StorageProvider,
} from "./types";
export { CONFIG_NAMESPACE, CREDENTIAL_KEYS, KUBERNETES_ACCESS, NESSIE_VERSION_STORES, PLATFORMS, STATEFUL_SERVICES, STORAGE_PROVIDERS } from "./types";
export type { ConfigProblem } from "./reader";
export { ConfigValidationError } from "./reader";
export { CONNECTOR_OWNED_KEYS, isOwnedConnectorKey } from "./connector-owned-keys";
export { IMAGE_SERVICES, isPinnedImage } from "./images";
export type { ImageService } from "./images";
export { parseLakehouseConfig } from "./parse";
export type { ClientSecrets, ConfiguredCredentials } from "./load";
export type { ClientSecretKey } from "./client-security";
export { CLIENT_SECRET_KEYS } from "./client-security";
export { flinkRestCaCert } from "./flink-tls";
export { loadLakehouseConfig } from "./load";
