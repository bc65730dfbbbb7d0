import { ExternalServices } from "../config";
import { Endpoint, WorkloadSpec } from "./spec";

/** `host:port` and scheme of an http(s) URL. */
export function endpointOfUrl(url: string): Endpoint {
    const parsed = new URL(url);
    const scheme = parsed.protocol === "https:" ? "https" : "http";
    const port = parsed.port || (scheme === "https" ? "443" : "80");
    const address = `${parsed.hostname}:${port}`;
    return { internal: address, host: address, scheme, ...(parsed.pathname !== "/" ? { path: parsed.pathname } : {}) };
}

function plain(address: string): Endpoint {
    return { internal: address, host: address };
}

/**
 * Endpoints of a workload that already exists, by the port names its spec uses. The same address
 * serves the stack's network and the machine running Pulumi. Ports an existing service does not
 * expose through config (Flink RPC, Nessie management, Dremio JDBC) are left out.
 */
export function externalEndpoints(spec: WorkloadSpec, external: ExternalServices): Record<string, Endpoint> {
    switch (spec.service) {
        case "postgres":
            return external.postgres ? { postgres: plain(external.postgres.address) } : {};
        case "kafka":
            return external.kafka ? { internal: plain(external.kafka.bootstrapServers), external: plain(external.kafka.bootstrapServers) } : {};
        case "connect":
            return external.connect ? { rest: endpointOfUrl(external.connect.url) } : {};
        case "minio":
            return external.minio ? { api: endpointOfUrl(external.minio.endpoint) } : {};
        case "nessie":
            return external.nessie ? { http: endpointOfUrl(external.nessie.url) } : {};
        case "flink":
            if (!external.flink) return {};
            if (spec.name === "flink-jobmanager") return { rest: endpointOfUrl(external.flink.restUrl) };
            if (spec.name === "flink-sql-gateway") return { rest: endpointOfUrl(external.flink.sqlGatewayUrl) };
            return {};
        case "dremio":
            return external.dremio ? { http: endpointOfUrl(external.dremio.url) } : {};
        default:
            throw new Error(`externalEndpoints: no mapping for service "${spec.service}"`);
    }
}
