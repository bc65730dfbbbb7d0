/**
 * The Flink image's entrypoint with `lakehouse:flink.tls` (REST_TLS_CERT, REST_TLS_KEY, REST_TLS_CA), run
 * in the real image on the Docker engine with a command in place of a Flink process: what it refuses,
 * each with exit code 2 and a line naming the variable and the likely cause, and what it leaves when it
 * accepts (the key stores, Flink's settings, the key in no file and out of the environment of what it
 * runs). The running JobManager and SQL Gateway over HTTPS are in secured-services-stack.test.ts and
 * tests/integration/kubernetes/k8s-secured-stack.test.ts.
 */
import { spawnSync } from "child_process";
import { projectImageRef } from "../../../components/images";
import { ensureStackImages } from "../../support/docker-stack";
import { makeTestPki } from "../../support/test-pki";

const pki = makeTestPki(["flink-jobmanager"]);
const other = makeTestPki(["flink-jobmanager"]);

/**
 * Runs `command` in the Flink image with the REST_TLS_* variables given; each value goes through the
 * environment of `docker run` (`-e NAME`), never on its command line.
 */
function runImage(vars: Record<string, string>, command: string[]): { status: number | null; output: string } {
    const env = { ...process.env, ...vars };
    const args = ["run", "--rm", "--network", "none", ...Object.keys(vars).flatMap((name) => ["-e", name]), projectImageRef("flink"), ...command];
    const r = spawnSync("docker", args, { env, encoding: "utf8", timeout: 120_000 });
    if (r.error) throw r.error;
    return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

describe("the Flink image's HTTPS on its REST endpoints (REST_TLS_CERT, REST_TLS_KEY, REST_TLS_CA)", () => {
    beforeAll(() => ensureStackImages(), 2_400_000);

    it.each([
        [
            "the key missing",
            { REST_TLS_CERT: pki.certificate, REST_TLS_CA: pki.caCert },
            "REST_TLS_CERT is set without REST_TLS_KEY (the certificate's private key)",
        ],
        [
            "the CA missing",
            { REST_TLS_CERT: pki.certificate, REST_TLS_KEY: pki.key },
            "REST_TLS_CERT is set without REST_TLS_CA (the CA the REST clients trust)",
        ],
        [
            "the key of another certificate",
            { REST_TLS_CERT: pki.certificate, REST_TLS_KEY: other.key, REST_TLS_CA: pki.caCert },
            "REST_TLS_CERT and REST_TLS_KEY: making the key store failed (are they a certificate and its private key?)",
        ],
        [
            "a CA that is not a certificate",
            { REST_TLS_CERT: pki.certificate, REST_TLS_KEY: pki.key, REST_TLS_CA: "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----" },
            "REST_TLS_CA is not a certificate keytool reads",
        ],
    ])("refuses to start with %s: exit code 2 and a line saying what is wrong", (_what, vars, line) => {
        const { status, output } = runImage(vars, ["true"]);
        expect({ status, says: output.includes(line) }).toEqual({ status: 2, says: true });
        expect(output).not.toContain(pki.key.split("\n")[1]);
    });

    it("accepts a certificate, its key and the CA: key and trust stores, Flink's SSL settings, the key in no file and out of the environment", () => {
        const look = [
            "ls -1 /tmp/flink/rest-tls",
            "echo @@next@@",
            "grep '^security.ssl' /opt/flink/conf/config.yaml | cut -d: -f1",
            "echo @@next@@",
            "env | cut -d= -f1 | grep '^REST_TLS' | sort",
            "echo @@next@@",
            // Every file the entrypoint wrote in plain text, printed: the key's lines must be in none.
            "cat /tmp/flink/rest-tls/*.pem /tmp/flink/rest-tls/*.log /opt/flink/conf/config.yaml",
        ].join("; ");
        const { status, output } = runImage({ REST_TLS_CERT: pki.certificate, REST_TLS_KEY: pki.key, REST_TLS_CA: pki.caCert }, ["bash", "-c", look]);
        expect(status).toBe(0);
        expect(output).toMatch(/REST endpoints over HTTPS with the certificate of REST_TLS_CERT \(CN ?= ?flink-jobmanager\), trusting REST_TLS_CA/);
        const [files, settings, env, written] = output
            .slice(output.indexOf("ca.pem"))
            .split("@@next@@\n")
            .map((part) => part.trim().split("\n"));
        expect(files).toEqual(["ca.pem", "cert.pem", "keystore.p12", "keytool.log", "openssl.log", "truststore.p12"]);
        expect(settings).toEqual([
            "security.ssl.rest.enabled",
            "security.ssl.rest.keystore",
            "security.ssl.rest.keystore-password",
            "security.ssl.rest.key-password",
            "security.ssl.rest.truststore",
            "security.ssl.rest.truststore-password",
            "security.ssl.algorithms",
        ]);
        // The certificate and CA stay readable for the process; the key and the stores' password do not.
        expect(env).toEqual(["REST_TLS_CA", "REST_TLS_CERT"]);
        expect(written.join("\n")).toContain(pki.certificate.split("\n")[1]);
        for (const line of pki.key.split("\n").filter((l) => l.length >= 40 && !l.startsWith("-----"))) expect(output).not.toContain(line);
    });
});
