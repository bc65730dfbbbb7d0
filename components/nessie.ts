import * as pulumi from "@pulumi/pulumi";
import { NessieVersionStore, ResourceSize } from "./config";
import { PORTS } from "./defaults";
import { POSTGRES_SECRETS } from "./postgres";
import { DeployedWorkload, ImageSpec, Endpoint, Platform, SecretEnvRef, WorkloadSpec, bashHttpProbe } from "./platform";

export interface NessieArgs {
    /** The image it runs (`lakehouse:images`): the project's own unless the stack names one. */
    image: ImageSpec;
    /**
     * Where commits live: `jdbc` (a `nessie` database on the stack's PostgreSQL), `rocksdb` (a volume),
     * or `in-memory` (lost on restart; only for throwaway stacks that ask for it).
     */
    versionStore: NessieVersionStore;
    /** For `jdbc`: the PostgreSQL workload, database and user. */
    jdbc?: { address: string; database: string; user: string; dependsOn: string };
    resources: ResourceSize;
    volumeSizeGiB: number;
    platform: Platform;
}

/** The database Nessie's JDBC version store uses on the stack's PostgreSQL. */
export const NESSIE_DATABASE = "nessie";

/** Nessie: the Git-like Iceberg catalog. */
export function nessieWorkload(args: Omit<NessieArgs, "platform">): WorkloadSpec {
    const env: Record<string, string> = {
        QUARKUS_HTTP_PORT: String(PORTS.nessie),
        QUARKUS_MANAGEMENT_PORT: String(PORTS.nessieManagement),
    };
    const secretEnv: Record<string, SecretEnvRef> = {};
    const dependsOn: string[] = [];
    const volumes: WorkloadSpec["volumes"] = [];
    switch (args.versionStore) {
        case "in-memory":
            env.NESSIE_VERSION_STORE_TYPE = "IN_MEMORY";
            break;
        case "rocksdb":
            env.NESSIE_VERSION_STORE_TYPE = "ROCKSDB";
            env.NESSIE_VERSION_STORE_PERSIST_ROCKS_DATABASE_PATH = "/nessie/data";
            volumes.push({ name: "data", mountPath: "/nessie/data", sizeGiB: args.volumeSizeGiB });
            break;
        case "jdbc": {
            if (!args.jdbc) throw new Error('nessieWorkload: versionStore "jdbc" needs the `jdbc` connection');
            env.NESSIE_VERSION_STORE_TYPE = "JDBC";
            env.NESSIE_VERSION_STORE_PERSIST_JDBC_DATASOURCE = "postgresql";
            env.QUARKUS_DATASOURCE_POSTGRESQL_JDBC_URL = `jdbc:postgresql://${args.jdbc.address}/${args.jdbc.database}`;
            env.QUARKUS_DATASOURCE_POSTGRESQL_USERNAME = args.jdbc.user;
            secretEnv.QUARKUS_DATASOURCE_POSTGRESQL_PASSWORD = { secret: POSTGRES_SECRETS.admin };
            dependsOn.push(args.jdbc.dependsOn);
            break;
        }
    }
    return {
        name: "nessie",
        service: "nessie",
        image: args.image,
        env,
        secretEnv,
        ports: [
            { name: "http", port: PORTS.nessie, hostPort: PORTS.nessie },
            { name: "management", port: PORTS.nessieManagement },
        ],
        volumes,
        files: [],
        health: {
            exec: bashHttpProbe(PORTS.nessieManagement, "/q/health/ready"),
            httpGet: { path: "/q/health/ready", port: PORTS.nessieManagement },
            intervalSeconds: 5,
            timeoutSeconds: 5,
            retries: 24,
            startPeriodSeconds: 10,
            describe: "Nessie reports ready (/q/health/ready on its management port)",
        },
        dependsOn,
        replicas: 1,
        stateful: args.versionStore === "rocksdb",
        resources: args.resources,
        runAsUser: 185,
    };
}

/** The Nessie catalog server. */
export class Nessie extends pulumi.ComponentResource {
    readonly workload: DeployedWorkload;
    readonly http: Endpoint;
    /** Iceberg clients need API v2. */
    readonly apiV2Path = "/api/v2";

    constructor(name: string, args: NessieArgs, opts?: pulumi.ComponentResourceOptions) {
        super("lakehouse:nessie:Nessie", name, {}, opts);
        this.workload = args.platform.deploy(nessieWorkload(args), this);
        this.http = this.workload.endpoints.http;
        this.registerOutputs({ http: this.http });
    }
}
