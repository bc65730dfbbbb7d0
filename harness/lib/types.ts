/**
 * The contract between the harness (harness/cli.ts) and each real service it runs as a
 * plain local process on loopback. One module per service exports a `ServiceDefinition`;
 * the harness installs, starts (in dependency order), health-gates, stops and reports them.
 */

/** Where things live; everything large is outside the repository. */
export interface HarnessContext {
    /** Repository root (where package.json is). */
    repoDir: string;
    /** Downloads and builds, kept across runs: `$LAKEHOUSE_CACHE` or `~/.cache/cdc-lakehouse`. */
    cacheDir: string;
    /** Data, config, logs and pid files of the running services: `$LAKEHOUSE_RUN` or `~/.local/state/cdc-lakehouse`. */
    runDir: string;
    /** Pinned versions and coordinates, from harness/versions.json. */
    versions: Record<string, any>;
    /** One line of progress for the person watching. */
    log(message: string): void;
}

/** How to start one process of a service. */
export interface ProcessCommand {
    command: string;
    args: string[];
    env?: Record<string, string>;
    cwd?: string;
    /** Run as this OS user (PostgreSQL refuses root). */
    user?: string;
}

/** A health check the harness polls with bounded, backed-off waits. */
export interface HealthCheck {
    /** What is being waited for, e.g. "Kafka Connect REST on 127.0.0.1:8083 lists the Debezium plugin". */
    describe: string;
    /** Resolves true when healthy; false or a throw means not yet. Must not hang: bound it yourself. */
    check(ctx: HarnessContext): Promise<boolean>;
}

export interface ServiceDefinition {
    /** Stable short name: postgres, kafka, connect, minio, nessie, flink-jobmanager, flink-taskmanager, flink-sql-gateway. */
    name: string;
    /** Named ports on 127.0.0.1, e.g. { http: 8083 }. */
    ports: Record<string, number>;
    /** Services that must be healthy before this one starts. */
    dependsOn: string[];
    /** Started only when named (or needed by a named service), never by a bare `up`; a bare `status` leaves it out. The Kubernetes cluster's services are. */
    onDemand?: boolean;
    /** Idempotent download/build into ctx.cacheDir. Safe to run twice; fast when already done. */
    install(ctx: HarnessContext): Promise<void>;
    /** Per-start preparation in ctx.runDir (config files, initdb, storage format). Idempotent. */
    prepare?(ctx: HarnessContext): Promise<void>;
    /** The process to run; the harness records its pid and redirects output to the log file. */
    start(ctx: HarnessContext): ProcessCommand;
    health: HealthCheck;
    /** Upper bound for start-to-healthy, in milliseconds. */
    startTimeoutMs: number;
    /** Work after healthy (e.g. create a database). Idempotent. */
    afterHealthy?(ctx: HarnessContext): Promise<void>;
    /** Extra stop logic (e.g. `pg_ctl stop`); default is SIGTERM then SIGKILL of the recorded pid's process group. */
    stop?(ctx: HarnessContext): Promise<void>;
    /** Endpoints and credentials other code (tests, the `local` stack) uses to reach this service. */
    endpoints(ctx: HarnessContext): Record<string, string>;
    /**
     * State this service keeps outside ctx.runDir (PostgreSQL's cluster under /var/tmp when the run
     * directory is out of its user's reach). `reset` deletes these with the run directory.
     */
    stateOutsideRunDir?(ctx: HarnessContext): string[];
}
