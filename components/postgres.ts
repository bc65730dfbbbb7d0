import * as pulumi from "@pulumi/pulumi";
import { ResourceSize, SourceConfig } from "./config";
import { PORTS } from "./defaults";
import { DeployedWorkload, ImageSpec, Endpoint, Platform, WorkloadSpec } from "./platform";

export interface PostgresArgs {
    /** The image it runs (`lakehouse:images`): the project's own unless the stack names one. */
    image: ImageSpec;
    /** The source database: tables, publication, roles and WAL settings. */
    source: SourceConfig;
    /** More databases to create at initialisation (Nessie's JDBC version store uses one). */
    extraDatabases: string[];
    resources: ResourceSize;
    /** Size of the data volume where the platform sizes volumes. */
    volumeSizeGiB: number;
    platform: Platform;
}

/** Names of the credentials this service reads from the platform's secret registry. */
export const POSTGRES_SECRETS = { admin: "postgres-password", replication: "replication-password" } as const;

/**
 * The initialisation script the image runs once, on an empty data directory. Identifiers were
 * validated as plain lower-case SQL identifiers by the config module; the replication password
 * travels as a psql variable from the environment, never in the script text.
 */
export function postgresInitScript(source: SourceConfig, extraDatabases: string[]): string {
    const qualified = (t: string) => `${source.schema}.${t}`;
    const seed = source.createSeedTable
        ? [
              "-- The seed's source table (see the data flow in README.md).",
              `CREATE TABLE IF NOT EXISTS ${qualified("demographics")} (`,
              "    id SERIAL PRIMARY KEY,",
              "    name TEXT NOT NULL,",
              "    age INTEGER,",
              "    city TEXT",
              ");",
          ]
        : [];
    const perTable = source.tables.map((t) =>
        [
            // Tables created later by an application are added by re-running these lines (see README).
            `DO $$ BEGIN`,
            `  IF to_regclass('${qualified(t)}') IS NOT NULL THEN`,
            `    -- Flink's debezium-json needs the full before-image on UPDATE and DELETE.`,
            `    EXECUTE 'ALTER TABLE ${qualified(t)} REPLICA IDENTITY FULL';`,
            `    EXECUTE 'GRANT SELECT ON ${qualified(t)} TO ${source.replicationUser}';`,
            `    EXECUTE 'ALTER PUBLICATION ${source.publication} ADD TABLE ${qualified(t)}';`,
            `  ELSE`,
            `    RAISE WARNING 'table ${qualified(t)} does not exist yet: it is not in publication ${source.publication}';`,
            `  END IF;`,
            `END $$;`,
        ].join("\n"),
    );
    const sql = [
        `CREATE ROLE ${source.replicationUser} WITH LOGIN REPLICATION PASSWORD :'replication_password';`,
        `GRANT CONNECT ON DATABASE ${source.database} TO ${source.replicationUser};`,
        `CREATE SCHEMA IF NOT EXISTS ${source.schema};`,
        `GRANT USAGE ON SCHEMA ${source.schema} TO ${source.replicationUser};`,
        ...seed,
        `CREATE PUBLICATION ${source.publication};`,
        ...perTable,
        ...extraDatabases.map((db) => `CREATE DATABASE ${db};`),
    ];
    return [
        "#!/usr/bin/env bash",
        "# Written by the lakehouse program. The postgres image runs it once, when the data directory is empty.",
        "set -euo pipefail",
        'psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" -v replication_password="$REPLICATION_PASSWORD" <<\'SQL\'',
        ...sql,
        "SQL",
        "",
    ].join("\n");
}

/** The PostgreSQL workload: logical WAL, enough slots and senders, a capped slot WAL, the init script. */
export function postgresWorkload(args: Omit<PostgresArgs, "platform">): WorkloadSpec {
    const s = args.source;
    return {
        name: "postgres",
        service: "postgres",
        image: args.image,
        command: [
            "postgres",
            "-c",
            "wal_level=logical",
            "-c",
            `max_replication_slots=${s.maxReplicationSlots}`,
            "-c",
            `max_wal_senders=${s.maxWalSenders}`,
            "-c",
            `max_slot_wal_keep_size=${s.maxSlotWalKeepSize}`,
        ],
        env: {
            POSTGRES_USER: s.adminUser,
            POSTGRES_DB: s.database,
            // A subdirectory, so the volume's lost+found (on some drivers) does not stop initdb.
            PGDATA: "/var/lib/postgresql/data/pgdata",
        },
        secretEnv: {
            POSTGRES_PASSWORD: { secret: POSTGRES_SECRETS.admin },
            REPLICATION_PASSWORD: { secret: POSTGRES_SECRETS.replication },
        },
        ports: [{ name: "postgres", port: PORTS.postgres, hostPort: PORTS.postgres }],
        volumes: [{ name: "data", mountPath: "/var/lib/postgresql/data", sizeGiB: args.volumeSizeGiB }],
        files: [{ path: "/docker-entrypoint-initdb.d/10-lakehouse-cdc.sh", content: postgresInitScript(s, args.extraDatabases), executable: true }],
        health: {
            exec: ["CMD", "pg_isready", "-h", "127.0.0.1", "-U", s.adminUser, "-d", s.database],
            tcpSocket: { port: PORTS.postgres },
            intervalSeconds: 5,
            timeoutSeconds: 5,
            retries: 12,
            startPeriodSeconds: 10,
            describe: `PostgreSQL accepts connections to database ${s.database}`,
        },
        dependsOn: [],
        replicas: 1,
        stateful: true,
        resources: args.resources,
        runAsUser: 999,
    };
}

/** The CDC source database. */
export class Postgres extends pulumi.ComponentResource {
    readonly workload: DeployedWorkload;
    readonly endpoint: Endpoint;

    constructor(name: string, args: PostgresArgs, opts?: pulumi.ComponentResourceOptions) {
        super("lakehouse:postgres:Postgres", name, {}, opts);
        this.workload = args.platform.deploy(postgresWorkload(args), this);
        this.endpoint = this.workload.endpoints.postgres;
        this.registerOutputs({ endpoint: this.endpoint });
    }
}
