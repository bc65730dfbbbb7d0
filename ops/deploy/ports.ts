/**
 * The dev stack and the harness must not fight over host ports silently. The dev stack publishes
 * its services' ports on the Docker host (the specs' `hostPort` + `lakehouse:hostPortOffset`, see
 * components/platform/spec.ts `hostPortOf`); the harness runs the same services as local processes
 * on the same well-known ports. Before a dev `up`, every port the stack would publish must be free or
 * held by this stack's own containers; otherwise the deploy stops naming each port, its holder and
 * both fixes. Pure, but for `listeningPorts` (reads /proc/net/tcp{,6}).
 */
import * as fs from "fs";
import { DEFAULTS, PORTS } from "../../components/defaults";
import { brokerHostPort } from "../../components/kafka";

/** One host port a stack publishes. */
export interface PublishedPort {
    port: number;
    /** The workload and port name, e.g. `flink-jobmanager/rest`. */
    what: string;
}

/** The part of a stack's config that decides its published ports. */
export interface PortConfig {
    exposePorts: boolean;
    hostPortOffset: number;
    kafkaBrokers: number;
    dremioEnabled: boolean;
    /** `storage.provider`: MinIO is deployed only with `minio`. */
    storageProvider: string;
    /** Services given in `lakehouse:external` (not deployed, so publishing nothing). */
    external: string[];
}

type ConfigEntry = { value?: unknown; objectValue?: unknown; secret?: boolean };

function entryValue(entry: ConfigEntry | undefined): unknown {
    if (!entry) return undefined;
    if (entry.objectValue !== undefined) return entry.objectValue;
    if (typeof entry.value !== "string") return entry.value;
    try {
        return JSON.parse(entry.value);
    } catch {
        return entry.value;
    }
}

const asObject = (v: unknown): Record<string, unknown> => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

/** The port config of `pulumi config --json --stack <name>` (keys `lakehouse:*`), the program's defaults filling the rest. */
export function portConfigOf(configJson: string): PortConfig {
    const cfg = asObject(JSON.parse(configJson || "{}")) as Record<string, ConfigEntry>;
    const get = (key: string) => entryValue(cfg[`lakehouse:${key}`]);
    const offset = Number(get("hostPortOffset") ?? DEFAULTS.hostPortOffset);
    const expose = get("exposePorts");
    const brokers = Number(asObject(get("kafka")).brokers ?? DEFAULTS.kafka.brokers);
    const dremio = asObject(get("dremio")).enabled;
    const provider = asObject(get("storage")).provider;
    return {
        exposePorts: expose === undefined ? DEFAULTS.exposePorts : expose === true || expose === "true",
        hostPortOffset: Number.isInteger(offset) ? offset : DEFAULTS.hostPortOffset,
        kafkaBrokers: Number.isInteger(brokers) && brokers > 0 ? brokers : DEFAULTS.kafka.brokers,
        dremioEnabled: dremio === undefined ? DEFAULTS.dremio.enabled : dremio === true || dremio === "true",
        storageProvider: typeof provider === "string" ? provider : DEFAULTS.storage.provider,
        external: Object.keys(asObject(get("external"))),
    };
}

/** The host ports a Docker stack with this config publishes: the specs' `hostPort`s (components/*.ts) plus the offset. */
export function publishedPorts(cfg: PortConfig): PublishedPort[] {
    if (!cfg.exposePorts) return [];
    const deployed = (service: string) => !cfg.external.includes(service);
    const base: PublishedPort[] = [];
    if (deployed("postgres")) base.push({ port: PORTS.postgres, what: "postgres/postgres" });
    if (deployed("kafka")) for (let i = 0; i < cfg.kafkaBrokers; i++) base.push({ port: brokerHostPort(i), what: `kafka-${i}/external` });
    if (deployed("connect")) base.push({ port: PORTS.connect, what: "connect/rest" });
    if (deployed("minio") && cfg.storageProvider === "minio") {
        base.push({ port: PORTS.minioApi, what: "minio/api" }, { port: PORTS.minioConsole, what: "minio/console" });
    }
    if (deployed("nessie")) base.push({ port: PORTS.nessie, what: "nessie/http" });
    if (deployed("flink")) {
        base.push({ port: PORTS.flinkRest, what: "flink-jobmanager/rest" }, { port: PORTS.flinkSqlGatewayHost, what: "flink-sql-gateway/rest" });
    }
    if (deployed("dremio") && cfg.dremioEnabled) {
        base.push(
            { port: PORTS.dremioHttp, what: "dremio/http" },
            { port: PORTS.dremioJdbc, what: "dremio/jdbc" },
            { port: PORTS.dremioFlight, what: "dremio/flight" },
        );
    }
    return base.map((p) => ({ ...p, port: p.port + cfg.hostPortOffset }));
}

/** The TCP ports in state LISTEN in the text of /proc/net/tcp or /proc/net/tcp6. Pure. */
export function parseListening(procNetTcp: string): Set<number> {
    const ports = new Set<number>();
    for (const line of procNetTcp.split("\n").slice(1)) {
        const cols = line.trim().split(/\s+/);
        if (cols.length < 4 || cols[3] !== "0A") continue;
        const port = parseInt(cols[1].split(":").pop() ?? "", 16);
        if (Number.isInteger(port)) ports.add(port);
    }
    return ports;
}

/** The ports something listens on on this machine (IPv4 and IPv6). */
export function listeningPorts(files: string[] = ["/proc/net/tcp", "/proc/net/tcp6"]): Set<number> {
    const all = new Set<number>();
    for (const f of files) {
        try {
            for (const p of parseListening(fs.readFileSync(f, "utf8"))) all.add(p);
        } catch {
            // no IPv6, or not Linux: nothing known listens there
        }
    }
    return all;
}

/** The host ports of `docker ps --format '{{.Ports}}'` lines (`127.0.0.1:5432->5432/tcp, ...`). Pure. */
export function parseDockerPorts(dockerPsPorts: string): Set<number> {
    const ports = new Set<number>();
    for (const m of dockerPsPorts.matchAll(/:(\d+)(?:-(\d+))?->/g)) {
        const from = Number(m[1]);
        const to = m[2] ? Number(m[2]) : from;
        for (let p = from; p <= to; p++) ports.add(p);
    }
    return ports;
}

/** Which harness service holds each port (`ServiceDefinition.ports` of harness/registry.ts). */
export function harnessPortHolders(services: readonly { name: string; ports: Record<string, number> }[]): Map<number, string> {
    const holders = new Map<number, string>();
    for (const s of services) for (const [name, port] of Object.entries(s.ports)) holders.set(port, `the harness's ${s.name} (${name})`);
    return holders;
}

/** A port the stack would publish that something else holds. */
export interface PortConflict extends PublishedPort {
    holder: string;
}

/** The wanted ports that something listens on, except the ones this stack's own containers publish. Pure. */
export function portConflicts(
    wanted: readonly PublishedPort[],
    listening: ReadonlySet<number>,
    ownPorts: ReadonlySet<number>,
    holders: ReadonlyMap<number, string>,
): PortConflict[] {
    return wanted
        .filter((p) => listening.has(p.port) && !ownPorts.has(p.port))
        .map((p) => ({ ...p, holder: holders.get(p.port) ?? "a process outside this stack" }));
}

/** A suggested `hostPortOffset` that moves every wanted port clear of the ones in use. */
export function suggestedOffset(wanted: readonly PublishedPort[], currentOffset: number, listening: ReadonlySet<number>): number {
    for (let offset = 20_000; offset + Math.max(...wanted.map((p) => p.port - currentOffset)) <= 65_535; offset += 1_000) {
        if (wanted.every((p) => !listening.has(p.port - currentOffset + offset))) return offset;
    }
    return 20_000;
}

/** The message that stops a dev `up` on conflicting ports: each port, what publishes it, its holder, and both fixes. Pure. */
export function conflictMessage(stack: string, conflicts: readonly PortConflict[], offset: number = 20_000): string {
    const lines = conflicts.map((c) => `  ${c.port} (${c.what}): held by ${c.holder}`);
    const harness = conflicts.some((c) => c.holder.startsWith("the harness's"));
    return [
        `Stack ${stack} would publish host ports that are in use:`,
        ...lines,
        "Free them or move the stack's ports, then run the deploy again:",
        harness ? "  npm run harness -- down                                   # stops the harness's services" : "  stop the processes holding them",
        `  npm run pulumi -- config set lakehouse:hostPortOffset ${offset} --stack ${stack}   # publishes every port + ${offset}`,
    ].join("\n");
}
