/**
 * `lakehouse:flink.tls` and the secret `flinkTlsKey` (issue 19): HTTPS on the REST endpoints of a Flink
 * the program runs. Checked before anything is created, each problem naming the key and the fix: the
 * certificate and key are a pair, the CA signed the certificate, the certificate names every host its
 * clients use on the stack's platform, it has not expired; an external Flink's TLS is its own.
 */
import { flinkRestCaCert } from "../../../components/config";
import { flinkRestTlsHosts, flinkRestTlsProblems } from "../../../components/config/flink-tls";
import { configRejection, expectProblemAt, parseConfigValues } from "../../support/lakehouse-config";
import { makeTestPki } from "../../support/test-pki";

const DOCKER_NAMES = ["flink-jobmanager", "flink-sql-gateway", "localhost"];
const pki = makeTestPki(DOCKER_NAMES);
const other = makeTestPki(DOCKER_NAMES);
const TLS = { certificate: pki.certificate, caCert: pki.caCert };
const withKey = (values: Record<string, unknown>, key = pki.key) => ({ ...values, flinkTlsKey: key });
const SECRET = { secretKeys: ["flinkTlsKey"] };

describe("lakehouse:flink.tls", () => {
    it("is unset by default: plain HTTP, no CA for the clients", () => {
        const cfg = parseConfigValues({});
        expect(cfg.flink.tls).toBeUndefined();
        expect(cfg.clientSecretsSet.flinkTlsKey).toBe(false);
        expect(flinkRestCaCert(cfg)).toBeUndefined();
    });

    it("takes a certificate for the Docker stack's names with its CA, the key as a secret; the clients trust that CA", () => {
        const cfg = parseConfigValues(withKey({ flink: { tls: TLS } }), SECRET);
        expect(cfg.flink.tls).toEqual(TLS);
        expect(cfg.clientSecretsSet.flinkTlsKey).toBe(true);
        expect(flinkRestCaCert(cfg)).toBe(pki.caCert);
    });

    it("refuses a key that is missing, in plain text, not a key, or not the certificate's", () => {
        expectProblemAt({ flink: { tls: TLS } }, "lakehouse:flinkTlsKey", /is required with flink\.tls.*pulumi config set --secret lakehouse:flinkTlsKey/);
        expectProblemAt(withKey({ flink: { tls: TLS } }), "lakehouse:flinkTlsKey", /a secret: run `pulumi config set --secret lakehouse:flinkTlsKey/);
        expectProblemAt(withKey({ flink: { tls: TLS } }, "server.key"), "lakehouse:flinkTlsKey", /must be a PEM private key/, SECRET);
        expectProblemAt(withKey({ flink: { tls: TLS } }, other.key), "lakehouse:flinkTlsKey", /is not the private key of flink\.tls\.certificate/, SECRET);
    });

    it("never shows the key in a problem", () => {
        const err = configRejection(withKey({ flink: { tls: TLS } }, other.key), SECRET);
        expect(err.message).not.toContain(other.key.split("\n")[1]);
        expect(err.problems.find((p) => p.key === "lakehouse:flinkTlsKey")!.found).toBe(JSON.stringify("(a secret)"));
    });

    it("refuses a CA that did not sign the certificate, naming both", () => {
        expectProblemAt(
            withKey({ flink: { tls: { ...TLS, caCert: other.caCert } } }),
            "lakehouse:flink.tls.caCert",
            /did not sign flink\.tls\.certificate \(issued by CN=lakehouse test CA; this CA is CN=lakehouse test CA\)/,
            SECRET,
        );
    });

    it("refuses a certificate that does not name a host its clients use, listing the missing ones", () => {
        const narrow = makeTestPki(["flink-jobmanager"]);
        expectProblemAt(
            withKey({ flink: { tls: { certificate: narrow.certificate, caCert: narrow.caCert } } }, narrow.key),
            "lakehouse:flink.tls.certificate",
            /must name flink-sql-gateway, localhost \(the hosts the endpoints' clients use; it names DNS:flink-jobmanager\)/,
            SECRET,
        );
    });

    it("refuses what is not PEM, and a missing or unknown key of flink.tls, with how to set it from a file", () => {
        expectProblemAt(
            withKey({ flink: { tls: { ...TLS, certificate: "server.pem" } } }),
            "lakehouse:flink.tls.certificate",
            /not a file name.*\$\(cat server\.pem\)/,
            SECRET,
        );
        expectProblemAt(
            withKey({ flink: { tls: { certificate: pki.certificate } } }),
            "lakehouse:flink.tls.caCert",
            /is required with flink\.tls.*\$\(cat ca\.pem\)/,
            SECRET,
        );
        expectProblemAt(withKey({ flink: { tls: { ...TLS, key: "x" } } }), "lakehouse:flink.tls.key", /no such key/, SECRET);
        expectProblemAt(withKey({ flink: { tls: "on" } }), "lakehouse:flink.tls", /an object: certificate, caCert/, SECRET);
    });

    it("is only for a Flink the program runs: with external.flink it is refused, pointing at external.flink.caCert", () => {
        const external = { flink: { restUrl: "https://flink.example:8081", sqlGatewayUrl: "https://flink.example:8083" } };
        expectProblemAt(
            withKey({ external, flink: { tls: TLS } }),
            "lakehouse:flink.tls",
            /only for a Flink the program runs.*external\.flink\.caCert/,
            SECRET,
        );
    });

    it("refuses flinkTlsKey without flink.tls", () => {
        expectProblemAt(withKey({}), "lakehouse:flinkTlsKey", /is used only with flink\.tls/, SECRET);
    });
});

describe("flinkRestTlsHosts: the names the certificate must hold, per platform", () => {
    it("on Docker: the workloads' names, and localhost when the ports are published", () => {
        expect(flinkRestTlsHosts("docker", true)).toEqual(DOCKER_NAMES);
        expect(flinkRestTlsHosts("docker", false)).toEqual(["flink-jobmanager", "flink-sql-gateway"]);
    });

    it("on Kubernetes: the Services' DNS names in-cluster, the node's address with node ports, nothing more without access", () => {
        const k = { namespace: "lake", clusterDomain: "cluster.local" };
        expect(flinkRestTlsHosts("kubernetes", true, { ...k, access: "in-cluster" })).toEqual([
            "flink-jobmanager",
            "flink-sql-gateway",
            "flink-jobmanager.lake.svc.cluster.local",
            "flink-sql-gateway.lake.svc.cluster.local",
        ]);
        expect(flinkRestTlsHosts("kubernetes", true, { ...k, access: "node-port", nodeAddress: "10.0.0.5" })).toEqual([
            "flink-jobmanager",
            "flink-sql-gateway",
            "10.0.0.5",
        ]);
        expect(flinkRestTlsHosts("kubernetes", true, { ...k, access: "none" })).toEqual(["flink-jobmanager", "flink-sql-gateway"]);
    });

    it("checks an IP address against the certificate's IP names", () => {
        const byIp = makeTestPki(["flink-jobmanager", "flink-sql-gateway", "10.0.0.5"]);
        const tls = { certificate: byIp.certificate, caCert: byIp.caCert };
        expect(flinkRestTlsProblems(tls, byIp.key, ["flink-jobmanager", "flink-sql-gateway", "10.0.0.5"])).toEqual([]);
        expect(flinkRestTlsProblems(tls, byIp.key, ["10.0.0.6"])).toEqual([
            { key: "flink.tls.certificate", reason: expect.stringMatching(/^must name 10\.0\.0\.6 /) },
        ]);
    });

    it("refuses a certificate that has expired, with the date", () => {
        const in60Days = Date.now() + 60 * 86_400_000;
        expect(flinkRestTlsProblems(TLS, pki.key, DOCKER_NAMES, in60Days)).toEqual([
            { key: "flink.tls.certificate", reason: expect.stringMatching(/^expired on .* GMT: renew it$/) },
        ]);
    });
});
