/**
 * `lakehouse:flink.tls`: HTTPS on the REST endpoints of a Flink the program runs (the JobManager's REST
 * API and the SQL Gateway), with a certificate of the stack's own PKI. `certificate` (PEM, the server
 * certificate and any intermediates) and `caCert` (PEM, the CA that signed it, which every client of the
 * endpoints trusts) are config; the private key is the secret `lakehouse:flinkTlsKey`. Checked here,
 * before anything is created: the certificate and key are a pair, the CA signed the certificate, and the
 * certificate names every host its clients use (`flinkRestTlsHosts`).
 */
import * as crypto from "crypto";
import { FLINK_WORKLOADS } from "../defaults";
import { pemProblem } from "../dynamic/toolkit/pem";
import { Reader } from "./reader";
import { CONFIG_NAMESPACE, ExternalServices, FlinkRestTls, KubernetesConfig, LakehouseConfig, PlatformKind } from "./types";

/** Keys of `lakehouse:flink.tls`. */
export const FLINK_TLS_KEYS = ["certificate", "caCert"] as const;

/** How to set a PEM value from a file, for the messages. */
function fromFile(key: string, file: string): string {
    return `set it from a file with \`pulumi config set --path '${CONFIG_NAMESPACE}:${key}' -- "$(cat ${file})"\``;
}

/** Reads `lakehouse:flink.tls` (undefined when unset); the values' forms only, the pair is checked by `checkFlinkRestTls`. */
export function parseFlinkTls(r: Reader, value: unknown): FlinkRestTls | undefined {
    if (value === undefined) return undefined;
    const given = r.record(value, "flink.tls", "an object: certificate, caCert (PEM), the key in the secret flinkTlsKey");
    if (!given) return undefined;
    r.onlyKeys(given, "flink.tls", FLINK_TLS_KEYS);
    const read = (key: (typeof FLINK_TLS_KEYS)[number], file: string): string | undefined => {
        const v = given[key];
        const problem = v === undefined ? "is required with flink.tls" : typeof v !== "string" ? "must be PEM text" : pemProblem(v, "certificate");
        if (problem) {
            r.problem(`flink.tls.${key}`, typeof v === "string" ? "(not a certificate)" : v, `${problem}; ${fromFile(`flink.tls.${key}`, file)}`);
            return undefined;
        }
        return v as string;
    };
    const certificate = read("certificate", "server.pem");
    const caCert = read("caCert", "ca.pem");
    return certificate !== undefined && caCert !== undefined ? { certificate, caCert } : undefined;
}

/**
 * The host names the REST certificate must hold: the JobManager's and the SQL Gateway's names on the
 * stack's network (the gateway, the periodic-savepoints job and the other workloads use them), and where
 * the machine running Pulumi reaches them: `localhost` on Docker with published ports, the Services' DNS
 * names (`in-cluster`) or the node's address (`node-port`) on Kubernetes.
 */
export function flinkRestTlsHosts(
    platform: PlatformKind,
    exposePorts: boolean,
    kubernetes?: Pick<KubernetesConfig, "access" | "namespace" | "clusterDomain" | "nodeAddress">,
): string[] {
    const workloads = [FLINK_WORKLOADS.jobManager, FLINK_WORKLOADS.sqlGateway];
    const fromPulumi: string[] = [];
    if (platform === "docker" && exposePorts) fromPulumi.push("localhost");
    if (platform === "kubernetes" && kubernetes?.access === "in-cluster")
        fromPulumi.push(...workloads.map((w) => `${w}.${kubernetes.namespace}.svc.${kubernetes.clusterDomain}`));
    if (platform === "kubernetes" && kubernetes?.access === "node-port" && kubernetes.nodeAddress) fromPulumi.push(kubernetes.nodeAddress);
    return [...new Set([...workloads, ...fromPulumi])];
}

/** What is wrong with the certificate, key and CA as a server's at `now` (none: empty), by key, in the order a fix would go. */
export function flinkRestTlsProblems(tls: FlinkRestTls, key: string | undefined, hosts: string[], now = Date.now()): { key: string; reason: string }[] {
    let cert: crypto.X509Certificate;
    let ca: crypto.X509Certificate;
    try {
        cert = new crypto.X509Certificate(tls.certificate);
    } catch (err) {
        return [{ key: "flink.tls.certificate", reason: `is not a certificate Node reads: ${(err as Error).message}` }];
    }
    try {
        ca = new crypto.X509Certificate(tls.caCert);
    } catch (err) {
        return [{ key: "flink.tls.caCert", reason: `is not a certificate Node reads: ${(err as Error).message}` }];
    }
    const problems: { key: string; reason: string }[] = [];
    if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey))
        problems.push({
            key: "flink.tls.caCert",
            reason: `did not sign flink.tls.certificate (issued by ${oneLine(cert.issuer)}; this CA is ${oneLine(ca.subject)})`,
        });
    const missing = hosts.filter((h) => (/^[\d.]+$|:/.test(h) ? cert.checkIP(h) === undefined : cert.checkHost(h) === undefined));
    if (missing.length)
        problems.push({
            key: "flink.tls.certificate",
            reason: `must name ${missing.join(", ")} (the hosts the endpoints' clients use; it names ${cert.subjectAltName ?? oneLine(cert.subject)}): issue it with those subject alternative names`,
        });
    const validTo = Date.parse(cert.validTo);
    if (Number.isFinite(validTo) && validTo < now) problems.push({ key: "flink.tls.certificate", reason: `expired on ${cert.validTo}: renew it` });
    if (key === undefined) {
        problems.push({
            key: "flinkTlsKey",
            reason: `is required with flink.tls (the certificate's private key, PEM): set it with \`pulumi config set --secret ${CONFIG_NAMESPACE}:flinkTlsKey -- "$(cat server.key)"\``,
        });
        return problems;
    }
    const form = pemProblem(key, "private key");
    if (form) {
        problems.push({ key: "flinkTlsKey", reason: form });
        return problems;
    }
    let privateKey: crypto.KeyObject;
    try {
        privateKey = crypto.createPrivateKey(key);
    } catch (err) {
        problems.push({
            key: "flinkTlsKey",
            reason: `is not a private key Node reads (an encrypted key is not supported: decrypt it first): ${(err as Error).message}`,
        });
        return problems;
    }
    if (!cert.checkPrivateKey(privateKey))
        problems.push({ key: "flinkTlsKey", reason: "is not the private key of flink.tls.certificate (they are not a pair)" });
    return problems;
}

/** `CN=a, O=b` from Node's multi-line distinguished names. */
function oneLine(dn: string): string {
    return dn.split("\n").filter(Boolean).join(", ");
}

/**
 * Checks `flink.tls` against the secret key and the hosts of the stack's platform, and refuses it with an
 * external Flink (whose TLS is its operator's: `external.flink.caCert`).
 */
export function checkFlinkRestTls(r: Reader, tls: FlinkRestTls | undefined, key: string | undefined, external: ExternalServices, hosts: string[]): void {
    if (!tls) return;
    if (external.flink) {
        r.problem(
            "flink.tls",
            "(certificates)",
            "only for a Flink the program runs: an external Flink serves its own certificate; give its CA in external.flink.caCert instead",
        );
        return;
    }
    for (const p of flinkRestTlsProblems(tls, key, hosts)) r.problem(p.key, p.key === "flinkTlsKey" ? "(a secret)" : "(a certificate)", p.reason);
}

/**
 * The CA the clients of the stack's Flink REST endpoints trust: an external Flink's (`external.flink.caCert`)
 * or that of the certificate a Flink the program runs serves (`flink.tls.caCert`); undefined over plain HTTP
 * or with the system's CAs.
 */
export function flinkRestCaCert(cfg: Pick<LakehouseConfig, "external" | "flink">): string | undefined {
    return cfg.external.flink?.caCert ?? cfg.flink.tls?.caCert;
}
