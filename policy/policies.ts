/**
 * The rules of rules.ts as @pulumi/policy policies. Kept apart from index.ts (which starts the
 * pack's gRPC server) so the tests can run each policy through the SDK's own analyze handlers.
 *
 * Which stacks are "dev": the stack's name comes from the resource's URN
 * (`urn:pulumi:<stack>::<project>::...`): a policy pack cannot call `pulumi.getStack()`. The list
 * of dev stacks is the policy config `devStacks` (default `["dev", "local"]`: the Docker stack and the
 * harness's stack) of the three policies that allow a dev exception: `nessie-persistent-version-store`,
 * `replication-slot-cleanup` and `data-bearing-protected`. The other rules
 * hold on every stack: a dev stack without AWS_REGION, a catalog-impl or checkpoints is as broken as
 * any other, and a dev stack's state leaks secrets the same way.
 */
import type { Policies, ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, StackValidationArgs, StackValidationPolicy } from "@pulumi/policy";
import {
    SecretRuleOptions,
    flinkAwsRegion,
    flinkCheckpointing,
    icebergCatalogImpl,
    nessiePersistentVersionStore,
    plaintextSecretInputs,
    plaintextSecretOutputs,
    replicationSlotCleanup,
    dataBearingProtected,
} from "./rules";
import { ResourceView, stackOfUrn, withoutProxy } from "./wire";

export const PACK_NAME = "cdc-lakehouse";
export const DEFAULT_DEV_STACKS = ["dev", "local"];

export const POLICY_NAMES = {
    awsRegion: "flink-aws-region",
    catalogImpl: "iceberg-catalog-impl",
    checkpointing: "flink-checkpointing",
    nessieStore: "nessie-persistent-version-store",
    secretInputs: "no-plaintext-secret-inputs",
    secretOutputs: "no-plaintext-secret-outputs",
    slotCleanup: "replication-slot-cleanup",
    dataProtected: "data-bearing-protected",
} as const;

export interface DevStackConfig {
    /** Stack names exempt from the dev-scoped policies (default `["dev", "local"]`). */
    devStacks?: string[];
}

const DEV_STACKS_SCHEMA = {
    properties: {
        devStacks: {
            type: "array" as const,
            items: { type: "string" as const },
            default: DEFAULT_DEV_STACKS,
            description: "Stacks (by name, as in the URN) where this policy does not apply.",
        },
    },
};

/** True when the stack of `urn` is one of `devStacks`. A URN without a readable stack is not dev. */
export function isDevStack(urn: string | undefined, devStacks: string[] = DEFAULT_DEV_STACKS): boolean {
    const stack = stackOfUrn(urn);
    return stack !== undefined && devStacks.includes(stack);
}

function view(args: { type: string; name: string; urn: string; props: Record<string, any>; opts?: { protect?: boolean } }): ResourceView {
    return {
        type: args.type,
        name: args.name,
        urn: args.urn,
        props: withoutProxy(args.props) ?? {},
        ...(args.opts ? { protect: args.opts.protect === true } : {}),
    };
}

function devStacksOf(args: { getConfig<T extends object>(): T }): string[] {
    const configured = args.getConfig<DevStackConfig>().devStacks;
    return Array.isArray(configured) ? configured : DEFAULT_DEV_STACKS;
}

function resourcePolicy(
    name: string,
    description: string,
    remediationSteps: string,
    rule: (r: ResourceView) => string[],
    scope: "every-stack" | "outside-dev",
): ResourceValidationPolicy {
    return {
        name,
        description,
        remediationSteps,
        severity: "high",
        ...(scope === "outside-dev" ? { configSchema: DEV_STACKS_SCHEMA } : {}),
        validateResource: (args: ResourceValidationArgs, reportViolation: ReportViolation) => {
            if (scope === "outside-dev" && isDevStack(args.urn, devStacksOf(args))) return;
            for (const message of rule(view(args))) reportViolation(message);
        },
    };
}

/** The pack's policies. `secretsVisible` says whether secrets reach the rules marked (see secrets-hook.ts). */
export function lakehousePolicies(opts: SecretRuleOptions = { secretsVisible: true }): Policies {
    const stackOutputs: StackValidationPolicy = {
        name: POLICY_NAMES.secretOutputs,
        description: "Stack outputs carry no secret in plain text (secret-looking names, or values the stack holds as secrets).",
        remediationSteps:
            "Export credentials with pulumi.secret(...) (the program exports them as secrets: `credentials`, `warehouseCredentials`, `dremioCredentials`).",
        severity: "critical",
        validateStack: (args: StackValidationArgs, reportViolation: ReportViolation) => {
            for (const f of plaintextSecretOutputs(args.resources.map(view), opts)) reportViolation(f.message, f.urn);
        },
    };
    return [
        resourcePolicy(
            POLICY_NAMES.awsRegion,
            "Every Flink process sets AWS_REGION, and an S3FileIO Iceberg catalog sets client.region (the seed's 'Unable to load region' failure).",
            "Set lakehouse:awsRegion; the program puts AWS_REGION on the JobManager, TaskManagers and SQL Gateway and client.region in jobs/catalog.sql.",
            flinkAwsRegion,
            "every-stack",
        ),
        resourcePolicy(
            POLICY_NAMES.catalogImpl,
            "A Flink job's Iceberg catalog is declared with 'catalog-impl' (Nessie: org.apache.iceberg.nessie.NessieCatalog on /api/v2), or 'catalog-type'='rest'.",
            "Declare the catalog as jobs/catalog.sql does: 'catalog-impl' = 'org.apache.iceberg.nessie.NessieCatalog', 'uri' = '<nessie>/api/v2'.",
            icebergCatalogImpl,
            "every-stack",
        ),
        resourcePolicy(
            POLICY_NAMES.checkpointing,
            "Checkpointing is on: Flink jobs set execution.checkpointing.interval > 0, and so does every Flink process's FLINK_PROPERTIES (Iceberg commits on checkpoints).",
            "Set lakehouse:flink.checkpointIntervalMs above zero.",
            flinkCheckpointing,
            "every-stack",
        ),
        resourcePolicy(
            POLICY_NAMES.nessieStore,
            "Outside dev stacks, Nessie uses a persistent version store (not IN_MEMORY, the image's default).",
            "Set lakehouse:nessie.versionStore to jdbc (default) or rocksdb.",
            nessiePersistentVersionStore,
            "outside-dev",
        ),
        resourcePolicy(
            POLICY_NAMES.secretInputs,
            "No secret in plain text: secret-looking env variables are Pulumi secrets (Docker) or secretKeyRefs (Kubernetes); secret-looking inputs are secrets; SQL holds placeholders.",
            "Wrap the value in pulumi.secret(...); on Kubernetes reference a Secret; in Flink SQL use {{secret.<name>}} and the job's `secrets` input.",
            (r) => plaintextSecretInputs(r, opts),
            "every-stack",
        ),
        stackOutputs,
        resourcePolicy(
            POLICY_NAMES.slotCleanup,
            "Outside dev stacks, the Debezium connector drops its replication slot when deleted (dropSlotOnDelete), so no orphaned slot pins WAL.",
            "Set lakehouse:pipeline.dropSlotOnDelete to true (the default), or remove the key.",
            replicationSlotCleanup,
            "outside-dev",
        ),
        resourcePolicy(
            POLICY_NAMES.dataProtected,
            "Outside dev stacks, what holds data (warehouse bucket, Iceberg namespace and branch, the connector's slot) is protected, so a plan that deletes or replaces it stops at preview.",
            "Remove the kind from lakehouse:allowDataLoss (protected is the default); see docs/data-safety.md.",
            dataBearingProtected,
            "outside-dev",
        ),
    ];
}
