/**
 * Every default of the program, in one place. Stack config overrides these; nothing else
 * in the program invents a default of its own.
 */

/** The services the program knows, in dependency order. */
export const SERVICE_NAMES = ["postgres", "kafka", "connect", "minio", "nessie", "flink", "dremio"] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

/**
 * Dremio's own image: the one service whose image the project does not build (Dremio is not
 * published where the project is built and tested; its stand-in image, `dremio.standIn`, is NOT Dremio).
 * Every other service runs the project's image (components/images.ts, `lakehouse:images`).
 */
export const UPSTREAM_DREMIO_IMAGE = "dremio/dremio-oss:25.2.0";

/** Well-known ports inside the workloads (and, plus `hostPortOffset`, on the host in dev). */
export const PORTS = {
    postgres: 5432,
    kafkaInternal: 9092,
    kafkaController: 9093,
    kafkaExternal: 9094,
    kafkaHost: 9092,
    connect: 8083,
    minioApi: 9000,
    minioConsole: 9001,
    nessie: 19120,
    nessieManagement: 9000,
    flinkRest: 8081,
    flinkRpc: 6123,
    flinkBlob: 6124,
    flinkSqlGateway: 8083,
    flinkSqlGatewayHost: 8084,
    dremioHttp: 9047,
    dremioJdbc: 31010,
    dremioFlight: 32010,
} as const;

/** Memory (MiB) and CPUs per service; sized so the dev stack fits a 16 GB laptop. */
export const DEFAULT_RESOURCES: Record<ServiceName, { memoryMiB: number; cpus: number }> = {
    postgres: { memoryMiB: 1024, cpus: 1 },
    kafka: { memoryMiB: 1536, cpus: 1 },
    connect: { memoryMiB: 1536, cpus: 1 },
    minio: { memoryMiB: 1024, cpus: 1 },
    nessie: { memoryMiB: 1024, cpus: 1 },
    flink: { memoryMiB: 2048, cpus: 2 },
    dremio: { memoryMiB: 4096, cpus: 2 },
};

export const DEFAULTS = {
    platform: "docker" as const,
    exposePorts: true,
    hostPortOffset: 0,
    awsRegion: "us-east-1",
    source: {
        database: "demographics",
        schema: "public",
        tables: ["demographics"],
        createSeedTable: true,
        publication: "lakehouse_cdc",
        adminUser: "lakehouse",
        replicationUser: "debezium",
        // Caps the WAL a stalled replication slot may hold, so a dead connector cannot fill the disk.
        maxSlotWalKeepSize: "10GB",
        maxReplicationSlots: 10,
        maxWalSenders: 10,
    },
    kafka: {
        brokers: 1,
        topicPrefix: "demographics_server",
        /**
         * Partitions of each CDC topic when the program creates it. Debezium keys each change by the
         * row's primary key, so one row's changes stay in one partition, in order. Fixed once the topic
         * exists (growing it would move keys: components/dynamic/kafka-topic.ts).
         */
        topicPartitions: 1,
    },
    connect: {
        workers: 1,
        /**
         * Each worker the program deploys restarts its FAILED connectors and tasks, backed off (15 s
         * doubling to 10 min): Connect never does, and Debezium fails its task for good when PostgreSQL
         * is unreachable while the task starts (a PostgreSQL pod being replaced, a failover).
         */
        autoRestart: true,
        /** How long Connect waits for a departed worker before reassigning its tasks (its default is 5 min). */
        scheduledRebalanceMaxDelayMs: 30_000,
        /**
         * How the workers the program deploys get the replication password without Connect storing it:
         * Kafka's EnvVarConfigProvider (Kafka >= 3.5) under this name, allowed to read only this env
         * variable, which the platform fills from the stack's secret. The connector's config then holds
         * `${env:LAKEHOUSE_REPLICATION_PASSWORD}`, never the password.
         */
        passwordConfigProvider: "env",
        replicationPasswordEnv: "LAKEHOUSE_REPLICATION_PASSWORD",
        /** The workers' env variables of a secured Kafka's SASL password and client key (`lakehouse:kafka.security`), resolved by the same provider. */
        kafkaPasswordEnv: "LAKEHOUSE_KAFKA_PASSWORD",
        kafkaClientKeyEnv: "LAKEHOUSE_KAFKA_CLIENT_KEY",
    },
    storage: {
        /** Where the warehouse lives: `minio` (deployed with the stack) or `aws` (an S3 bucket made with @pulumi/aws). */
        provider: "minio" as const,
        bucket: "warehouse",
        rootUser: "lakehouse",
        /** Delete the warehouse's data with the bucket on destroy. */
        forceDestroy: false,
    },
    nessie: {
        versionStore: "jdbc" as const,
        branch: "main",
    },
    iceberg: {
        catalog: "nessie",
        namespace: "cdc",
    },
    flink: {
        taskManagers: 1,
        slotsPerTaskManager: 4,
        parallelism: 1,
        // Latency is about half to one interval: 5 s keeps p99 within the seed's 10 s bound (docs/measurements.md).
        checkpointIntervalMs: 5_000,
        /** JobManager high availability (Kubernetes HA on Kubernetes, ZooKeeper HA on Docker): jobs survive a JobManager loss. */
        highAvailability: true,
    },
    /**
     * Table maintenance (`lakehouse:maintenance`, components/maintenance.ts, docs/maintenance.md): off
     * unless the stack turns it on, since expiring snapshots deletes the files of older table versions
     * (time travel beyond `maxSnapshotAgeSeconds`, and older Nessie commits of these tables).
     */
    maintenance: {
        enabled: false,
        /** The least time between two runs of one task on one table (TableMaintenance's rate limit). */
        rateLimitSeconds: 60,
        /**
         * How often a task waiting for a table's lock looks again. The lock is the job's own (in memory),
         * so looking costs nothing; a compaction triggered while the one before still held the lock
         * waited the whole delay (30 s, Iceberg's default, measured in a soak on 2026-12-01).
         */
        lockCheckDelaySeconds: 5,
        expireSnapshots: {
            /** How often (seconds; 0: never). */
            intervalSeconds: 600,
            /**
             * Snapshots older than this are expired: the time-travel window. Each retained snapshot is in
             * every commit's metadata file, so at 5 s checkpoints an hour is 720 snapshots per table.
             */
            maxSnapshotAgeSeconds: 3600,
            /** Snapshots kept whatever their age. */
            retainLast: 10,
        },
        rewriteDataFiles: {
            /** How often (seconds; 0: never). */
            intervalSeconds: 300,
            /** Also after this many commits to the table (0: on the interval only). */
            commitCount: 0,
            targetFileSizeMiB: 128,
            /** A group of at least this many small files is rewritten. */
            minInputFiles: 5,
            /** A data file with at least this many delete files applying to it is rewritten (its deletes applied). */
            deleteFileThreshold: 1,
        },
        deleteOrphanFiles: {
            /** How often (seconds; 0: never). */
            intervalSeconds: 86_400,
            /** Only files older than this are orphans (Iceberg's default, 3 days): a file being written is never one. */
            minAgeSeconds: 259_200,
        },
    },
    dremio: {
        enabled: true,
        adminUser: "admin",
        /** Name of the Nessie source in Dremio: tables are `<sourceName>.<namespace>.<table>` in its SQL. */
        sourceName: "lakehouse",
        /**
         * Run the project's stand-in of Dremio's REST API (components/images/dremio-standin, NOT Dremio:
         * no SQL engine) instead of Dremio, where Dremio cannot be had. Default false.
         */
        standIn: false,
    },
    pipeline: {
        /** Declared run state of the Debezium connector: RUNNING, PAUSED or STOPPED. */
        connectorState: "RUNNING" as const,
        /** Declared run state of the Flink jobs: RUNNING, or STOPPED (with a savepoint). */
        jobState: "RUNNING" as const,
        /** How `destroy` ends a Flink job: stop with a savepoint, or cancel. */
        jobDeleteMode: "savepoint" as const,
        /**
         * How many restore points of each Flink job to keep: the savepoints its upgrades take and the
         * checkpoints a cancelled job retains; older ones are disposed of once the job is up again
         * (components/dynamic/flink/restore-points.ts). 3: a rollback across two upgrades. 0 keeps every one.
         */
        jobRestorePointsKept: 3,
        /**
         * Periodic savepoints of the table jobs (components/periodic-savepoints.ts), as Flink's Kubernetes
         * operator takes them: every `intervalSeconds` (0: off, the default; otherwise 60 s to a week),
         * keeping the newest `kept` per job. Run by a small Flink job of its own from the maintenance jar.
         */
        periodicSavepoints: { intervalSeconds: 0, kept: 3 },
        /** Drop the connector's replication slot when the connector is deleted (no WAL left piling up). */
        dropSlotOnDelete: true,
        /**
         * Extra Debezium connector settings merged over the program's own (e.g. `heartbeat.interval.ms`).
         * Keys the program owns (connection, slot, publication, topics, captured tables) are refused.
         */
        connectorConfig: {} as Record<string, string>,
        /**
         * Bound (seconds) of the settle check after every `up` that changed the pipeline: each job
         * RUNNING with a checkpoint completed after the change, the connector RUNNING, the warehouse
         * readable. 0 disables the check.
         */
        verifyTimeoutSeconds: 120,
        /**
         * External Connect only: the config-provider reference (`${provider:[path:]key}`) the user's
         * workers resolve to the replication password; the connector's stored config holds it instead of
         * the password. Unset: the password itself is sent (with a warning). Workers the program deploys
         * always get a reference (see `connect.passwordConfigProvider`).
         */
        replicationPasswordReference: undefined as string | undefined,
    },
    /** Size of each data volume where the platform sizes volumes (Kubernetes PVCs). */
    volumeSizeGiB: 20,
    /** How long `pulumi up` waits for one container to report healthy. */
    startTimeoutSeconds: 300,
    /** How long checks of external services (reachable, credentials accepted) may take. */
    externalCheckTimeoutSeconds: 30,
    /** The Kubernetes platform (`platform: kubernetes`); the namespace defaults to `<project>-<stack>`. */
    kubernetes: {
        /** How the machine running Pulumi reaches the Services: `in-cluster`, `node-port` or `none`. */
        access: "in-cluster" as const,
        /** First NodePort of the stack's block of 20 (access `node-port`); see `NODE_PORT_SLOTS`. */
        nodePortBase: 30900,
        /** DNS domain of the cluster, for `<service>.<namespace>.svc.<domain>` names. */
        clusterDomain: "cluster.local",
    },
};

/**
 * NodePort of each published port, as an offset from `kubernetes.nodePortBase`: one fixed slot per
 * port (broker `i`'s external listener is `kafka-external` + i), so a stack's node ports never move.
 */
export const NODE_PORT_SLOTS = {
    "postgres/postgres": 0,
    "connect/rest": 1,
    "minio/api": 2,
    "minio/console": 3,
    "nessie/http": 4,
    "flink-jobmanager/rest": 5,
    "flink-sql-gateway/rest": 6,
    "dremio/http": 7,
    "dremio/jdbc": 8,
    "dremio/flight": 9,
    /** kafka-0 .. kafka-8: 10 .. 18. */
    "kafka-external": 10,
} as const;
/** How many node ports one stack takes from `kubernetes.nodePortBase` on. */
export const NODE_PORT_BLOCK = 20;

/** Project-level names that derive from the stack; kept here so outputs and renderers agree. */
export const LABEL_PREFIX = "lakehouse";

/**
 * Flink's JobManager high availability (`flink.highAvailability`). On Docker a ZooKeeper workload
 * coordinates it; on Kubernetes the JobManager keeps its leader ConfigMaps in the cluster itself
 * (a ServiceAccount with a Role on ConfigMaps) and needs no ZooKeeper.
 */
export const FLINK_HA = {
    zookeeperPort: 2181,
    zookeeperResources: { memoryMiB: 512, cpus: 0.5 },
    /** ZooKeeper's data (the pointers to job graphs and checkpoints) on a volume, so a recreated container keeps them. */
    zookeeperVolumeSizeGiB: 1,
    /**
     * ZooKeeper session timeout of every Flink process: a JobManager that died keeps its leadership
     * this long, so it bounds the failover (Flink's default is 60 s; ZooKeeper's default tick of 2 s
     * allows 4 to 40 s).
     */
    zookeeperSessionTimeout: "20 s",
    /** ServiceAccount of the Flink pods on Kubernetes (Kubernetes HA reads and writes ConfigMaps). */
    serviceAccount: "flink",
};

/** The Flink cluster's workloads by role: their names on the stack's network (Docker aliases, Kubernetes Services). */
export const FLINK_WORKLOADS = { jobManager: "flink-jobmanager", taskManager: "flink-taskmanager", sqlGateway: "flink-sql-gateway" } as const;

/**
 * Defaults of the dynamic providers (components/dynamic/): how long one request may take and how
 * long a wait (connector RUNNING, job RUNNING, savepoint, a service answering) may last. A resource's
 * `waitTimeoutSeconds` input overrides the wait.
 */
export const PROVIDER_DEFAULTS = {
    /** One HTTP request to a service's REST API. */
    requestTimeoutMs: 60_000,
    /** A bounded retry of the answers a busy server gives (a Connect rebalance). */
    busyRetryMs: 90_000,
    /** Each wait of a provider, in seconds (a first start of a service takes a while). */
    waitTimeoutSeconds: 300,
    /** A connection to PostgreSQL or Kafka. */
    connectTimeoutMs: 30_000,
    /**
     * How long a Flink job that is RUNNING but has tasks not running (between restarts) is given to get
     * them all running before it is stopped: with a savepoint when they do, by a cancel that resumes
     * from its newest checkpoint when they do not.
     */
    tasksSettleMs: 60_000,
    /**
     * How long a new or restarted Flink job must stay RUNNING, every task running and no new failure in
     * its exception history, before it counts as up: a job that fails on its first record shows every
     * task RUNNING for a moment between restarts.
     */
    jobSteadyMs: 2_000,
    /** Restore points of a Flink job resource kept when its input does not say (the stack's `pipeline.jobRestorePointsKept`). */
    restorePointsKept: DEFAULTS.pipeline.jobRestorePointsKept,
    /**
     * How long counting the rows of a sink table whose declared column type changed may wait for a free
     * Flink slot while the old job runs; past it, the job is stopped first and the rows counted then.
     */
    rowCountWhileRunningMs: 30_000,
    /** Building a Flink job's jar with Maven (the maintenance job): a cold Maven cache fetches Flink's and Iceberg's poms first. */
    jarBuildTimeoutMs: 600_000,
} as const;
