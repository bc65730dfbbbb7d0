/**
 * The harness's own certificate authority, for the services it runs with TLS (issue 19: kafka-tls's
 * SASL_SSL listener, postgres-tls's `ssl=on`): a CA, a server certificate for 127.0.0.1 and
 * localhost, and a client certificate for mutual TLS, all PEM, made once per run directory with the
 * `openssl` command line (.ci/run installs it) and kept. Keys are unencrypted PKCS#8 (what Kafka's PEM
 * key stores and PostgreSQL read), readable by their owner only. Test infrastructure: the product never
 * makes certificates, it is given them.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { HarnessContext } from "./types";
import { runChecked } from "./process";

/** The files of the harness's CA, all PEM. */
export interface HarnessCertificates {
    dir: string;
    /** The CA's certificate: what a client trusts. */
    caCert: string;
    /**
     * The server certificate (CN 127.0.0.1, SANs IP 127.0.0.1, DNS localhost and, when this host has a
     * Docker bridge, its address: see {@link serverAltNames}), signed by the CA.
     */
    serverCert: string;
    serverKey: string;
    /** The server key and certificate in one file (Kafka's `ssl.keystore.type=PEM` location). */
    serverKeyAndCert: string;
    /** A client certificate (CN `lakehouse`), signed by the CA, for mutual TLS. */
    clientCert: string;
    clientKey: string;
}

/** Where the CA's files are in a run directory. */
export function certificateFiles(runDir: string): HarnessCertificates {
    const dir = path.join(runDir, "tls");
    return {
        dir,
        caCert: path.join(dir, "ca.pem"),
        serverCert: path.join(dir, "server.pem"),
        serverKey: path.join(dir, "server.key"),
        serverKeyAndCert: path.join(dir, "server-key-and-cert.pem"),
        clientCert: path.join(dir, "client.pem"),
        clientKey: path.join(dir, "client.key"),
    };
}

/** The files' days of validity: long enough for a run directory that is kept for months. */
const DAYS = 3650;

let bridgeGateway: { address: string | undefined } | undefined;

/**
 * This host's address as containers see it: the gateway of the Docker engine's default network
 * (`bridge`, 172.17.0.1 by default), asked of the engine (`docker network inspect bridge`, bounded to
 * 10 s) once per process. A container on any of the engine's networks reaches the host there (the
 * engine isolates networks from each other, not from the host). Undefined when no engine answers.
 * (Not from the interface list: Node leaves out an interface that is down, as `docker0` is while no
 * container uses it.) On an engine's first start the bridge's IPAM config has its subnet but no gateway
 * (moby/moby#26799, until the engine restarts; seen on a new machine's dockerd 20.10.24): then the
 * subnet's first host address, the one the engine gives the bridge when none is configured.
 */
export function containerHostAddress(): string | undefined {
    if (!bridgeGateway) {
        let address: string | undefined;
        try {
            const out = execFileSync("docker", ["network", "inspect", "bridge", "--format", "{{range .IPAM.Config}}{{.Gateway}}|{{.Subnet}} {{end}}"], {
                encoding: "utf8",
                timeout: 10_000,
                stdio: ["ignore", "pipe", "ignore"],
            });
            address = bridgeGatewayOf(out);
        } catch {
            address = undefined;
        }
        bridgeGateway = { address };
    }
    return bridgeGateway.address;
}

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/**
 * The IPv4 gateway in `docker network inspect`'s IPAM configs (`gateway|subnet`, space-separated; an
 * IPv6 one may be there too), or, where a config has no gateway, its IPv4 subnet's first host address.
 */
export function bridgeGatewayOf(configs: string): string | undefined {
    const entries = configs
        .trim()
        .split(/\s+/)
        .filter((e) => e !== "")
        .map((e) => {
            const [gateway = "", subnet = ""] = e.split("|");
            return { gateway, subnet };
        });
    return entries.find((e) => IPV4.test(e.gateway))?.gateway ?? entries.map((e) => firstHostAddress(e.subnet)).find((a) => a !== undefined);
}

/** An IPv4 subnet's (`a.b.c.d/len`, len 0-30) first host address: its network address plus one. */
export function firstHostAddress(subnet: string): string | undefined {
    const m = /^(\d{1,3}(?:\.\d{1,3}){3})\/(\d{1,2})$/.exec(subnet);
    if (!m) return undefined;
    const octets = m[1].split(".").map(Number);
    const bits = Number(m[2]);
    if (octets.some((o) => o > 255) || bits > 30) return undefined;
    const address = octets.reduce((a, o) => a * 256 + o, 0);
    const size = 2 ** (32 - bits);
    const host = Math.floor(address / size) * size + 1;
    return [24, 16, 8, 0].map((shift) => Math.floor(host / 2 ** shift) % 256).join(".");
}

/**
 * The server certificate's subject alternative names: 127.0.0.1 and localhost, and the Docker bridge's
 * address when there is one, so a container (a Docker stack's Connect worker or Flink job) can verify
 * a harness service it reaches there (kafka-tls's container listener).
 */
export function serverAltNames(bridgeAddress: string | undefined): string {
    return ["IP:127.0.0.1", "DNS:localhost", ...(bridgeAddress ? [`IP:${bridgeAddress}`] : [])].join(",");
}

/** The server certificate's extensions file (kept beside it as `server.ext`: what tells a stale certificate). */
function serverExtensions(): string {
    return `subjectAltName=${serverAltNames(containerHostAddress())}\nextendedKeyUsage=serverAuth,clientAuth\n`;
}

/**
 * Makes the CA and its certificates in `<runDir>/tls` unless every file is already there. Built in a
 * scratch directory and renamed into place, so a run interrupted half-way leaves nothing half-made.
 */
export function ensureCertificates(ctx: HarnessContext): HarnessCertificates {
    const files = certificateFiles(ctx.runDir);
    const wanted = [files.caCert, files.serverCert, files.serverKey, files.serverKeyAndCert, files.clientCert, files.clientKey];
    if (wanted.every((f) => fs.existsSync(f))) {
        const ext = path.join(files.dir, "server.ext");
        if (fs.existsSync(ext) && fs.readFileSync(ext, "utf8") === serverExtensions()) return files;
        if (fs.existsSync(path.join(files.dir, "ca.key"))) {
            resignServerCertificate(ctx, files);
            return files;
        }
    }
    const scratch = `${files.dir}.tmp-${process.pid}`;
    fs.rmSync(scratch, { recursive: true, force: true });
    fs.mkdirSync(scratch, { recursive: true, mode: 0o700 });
    const at = (name: string) => path.join(scratch, name);
    const openssl = (args: string[]) => runChecked("openssl", args, { cwd: scratch, timeoutMs: 60_000 });
    ctx.log(`making the harness's certificate authority in ${files.dir}`);
    openssl([
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        at("ca.key"),
        "-out",
        at("ca.pem"),
        "-days",
        String(DAYS),
        "-subj",
        "/CN=cdc-lakehouse harness CA",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
    ]);
    signWithCa(scratch, "server", "/CN=127.0.0.1", serverExtensions());
    signWithCa(scratch, "client", "/CN=lakehouse", "extendedKeyUsage=clientAuth\n");
    writeServerKeyAndCert(scratch);
    for (const name of fs.readdirSync(scratch)) fs.chmodSync(at(name), name.endsWith(".key") || name.includes("key-and") ? 0o600 : 0o644);
    fs.rmSync(files.dir, { recursive: true, force: true });
    fs.renameSync(scratch, files.dir);
    return files;
}

/** `server-key-and-cert.pem` in `dir`: the server's key, then its certificate (Kafka's PEM key store location). */
function writeServerKeyAndCert(dir: string): void {
    const read = (name: string) => fs.readFileSync(path.join(dir, name), "utf8");
    fs.writeFileSync(path.join(dir, "server-key-and-cert.pem"), read("server.key") + read("server.pem"), { mode: 0o600 });
}

/** Makes `<name>.key` and `<name>.pem` in `dir`, the certificate signed by `dir`'s CA (`ca.pem`, `ca.key`) with the extensions given, valid `days`. */
export function signWithCa(dir: string, name: string, subject: string, extensions: string, days = DAYS): void {
    const at = (file: string) => path.join(dir, file);
    const openssl = (args: string[]) => runChecked("openssl", args, { cwd: dir, timeoutMs: 60_000 });
    openssl(["req", "-newkey", "rsa:2048", "-nodes", "-keyout", at(`${name}.key`), "-out", at(`${name}.csr`), "-subj", subject]);
    fs.writeFileSync(at(`${name}.ext`), extensions);
    openssl([
        "x509",
        "-req",
        "-in",
        at(`${name}.csr`),
        "-CA",
        at("ca.pem"),
        "-CAkey",
        at("ca.key"),
        "-CAcreateserial",
        "-out",
        at(`${name}.pem`),
        "-days",
        String(days),
        "-extfile",
        at(`${name}.ext`),
    ]);
}

/**
 * A new server certificate from the same CA, when its names changed (a Docker engine started after the
 * run directory's certificates were made): what trusts the CA goes on trusting the new one; a service
 * that has already read the old one uses it until restarted (`npm run harness -- down <service>`, then `up`).
 * Made beside the CA's files and renamed over the old ones.
 */
function resignServerCertificate(ctx: HarnessContext, files: HarnessCertificates): void {
    ctx.log(`signing the harness's server certificate anew for ${serverAltNames(containerHostAddress())} in ${files.dir}`);
    const scratch = `${files.dir}/server.tmp-${process.pid}`;
    fs.rmSync(scratch, { recursive: true, force: true });
    fs.mkdirSync(scratch, { recursive: true, mode: 0o700 });
    try {
        for (const name of ["ca.pem", "ca.key"]) fs.copyFileSync(path.join(files.dir, name), path.join(scratch, name));
        signWithCa(scratch, "server", "/CN=127.0.0.1", serverExtensions());
        const at = (name: string) => path.join(scratch, name);
        writeServerKeyAndCert(scratch);
        fs.chmodSync(at("server.key"), 0o600);
        fs.chmodSync(at("server.pem"), 0o644);
        // The key before the certificate and the extensions last: an interrupted run is seen as stale again.
        fs.renameSync(at("server.key"), files.serverKey);
        fs.renameSync(at("server.pem"), files.serverCert);
        fs.renameSync(at("server-key-and-cert.pem"), files.serverKeyAndCert);
        fs.renameSync(at("server.ext"), path.join(files.dir, "server.ext"));
    } finally {
        fs.rmSync(scratch, { recursive: true, force: true });
    }
}

/** The password of the Java trust store below: not a secret (it guards integrity, and the store holds only public certificates). */
export const JAVA_TRUST_STORE_PASSWORD = "changeit";

/**
 * A Java trust store (PKCS12) holding the JVM's own trusted CAs and the harness's CA, made with the
 * JVM's keytool next to `java` unless it is there and newer than the CA: what an operator does for an
 * existing Flink or Dremio that must reach a service whose certificate a company CA signed. The JVM
 * gets it with `-Djavax.net.ssl.trustStore=<file>` (see {@link javaTrustStoreFlags}).
 */
export function ensureJavaTrustStore(ctx: HarnessContext, javaBinary: string): string {
    const files = ensureCertificates(ctx);
    const store = path.join(files.dir, "java-truststore.p12");
    if (fs.existsSync(store) && fs.statSync(store).mtimeMs >= fs.statSync(files.caCert).mtimeMs) return store;
    const resolved = fs.realpathSync(javaBinary.includes("/") ? javaBinary : runChecked("sh", ["-c", `command -v ${javaBinary}`]).trim());
    const home = path.dirname(path.dirname(resolved));
    const keytool = path.join(home, "bin", "keytool");
    const cacerts = path.join(home, "lib", "security", "cacerts");
    const scratch = `${store}.tmp-${process.pid}`;
    fs.rmSync(scratch, { force: true });
    const pass = JAVA_TRUST_STORE_PASSWORD;
    if (fs.existsSync(cacerts))
        runChecked(
            keytool,
            [
                "-importkeystore",
                "-noprompt",
                "-srckeystore",
                cacerts,
                "-srcstorepass",
                pass,
                "-destkeystore",
                scratch,
                "-deststoretype",
                "PKCS12",
                "-deststorepass",
                pass,
            ],
            {
                timeoutMs: 60_000,
            },
        );
    runChecked(
        keytool,
        [
            "-importcert",
            "-noprompt",
            "-alias",
            "cdc-lakehouse-harness-ca",
            "-file",
            files.caCert,
            "-keystore",
            scratch,
            "-storetype",
            "PKCS12",
            "-storepass",
            pass,
        ],
        {
            timeoutMs: 60_000,
        },
    );
    fs.renameSync(scratch, store);
    return store;
}

/** The JVM flags that make a Java process trust what the store holds (instead of its default CAs). */
export function javaTrustStoreFlags(store: string): string[] {
    return [`-Djavax.net.ssl.trustStore=${store}`, "-Djavax.net.ssl.trustStoreType=PKCS12", `-Djavax.net.ssl.trustStorePassword=${JAVA_TRUST_STORE_PASSWORD}`];
}

/**
 * The harness's token issuer, for services that take a bearer token (nessie-tls): an RSA key pair
 * (`jwt.key`, `jwt.pub`, PEM, beside the CA), made once. The server verifies tokens with the public key;
 * {@link bearerToken} signs them. Test infrastructure, like the CA.
 */
export function ensureTokenKeys(ctx: HarnessContext): { privateKey: string; publicKey: string } {
    const files = ensureCertificates(ctx);
    const privateKey = path.join(files.dir, "jwt.key");
    const publicKey = path.join(files.dir, "jwt.pub");
    if (!fs.existsSync(privateKey) || !fs.existsSync(publicKey)) {
        const crypto = require("crypto") as typeof import("crypto");
        const pair = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 });
        fs.writeFileSync(`${publicKey}.tmp`, pair.publicKey.export({ type: "spki", format: "pem" }), { mode: 0o644 });
        fs.writeFileSync(`${privateKey}.tmp`, pair.privateKey.export({ type: "pkcs8", format: "pem" }), { mode: 0o600 });
        fs.renameSync(`${publicKey}.tmp`, publicKey);
        fs.renameSync(`${privateKey}.tmp`, privateKey);
    }
    return { privateKey, publicKey };
}

/** The public key as Quarkus's `quarkus.oidc.public-key` takes it: the DER's base64, no PEM lines. */
export function tokenPublicKeyBase64(ctx: HarnessContext): string {
    return fs
        .readFileSync(ensureTokenKeys(ctx).publicKey, "utf8")
        .split("\n")
        .filter((l) => l && !l.startsWith("-----"))
        .join("");
}

/** A JWT (RS256) for `subject`, signed with the harness's key, valid for `days`; what a company's identity provider would issue. */
export function bearerToken(ctx: HarnessContext, subject = "lakehouse", days = 3650): string {
    const crypto = require("crypto") as typeof import("crypto");
    const now = Math.floor(Date.now() / 1000);
    const part = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
    const unsigned = `${part({ alg: "RS256", typ: "JWT" })}.${part({ iss: "cdc-lakehouse-harness", sub: subject, upn: subject, iat: now, exp: now + days * 86400 })}`;
    const signature = crypto.sign("RSA-SHA256", Buffer.from(unsigned), fs.readFileSync(ensureTokenKeys(ctx).privateKey)).toString("base64url");
    return `${unsigned}.${signature}`;
}

/**
 * The harness's server certificate and key as a PKCS12 key store (password {@link JAVA_TRUST_STORE_PASSWORD},
 * not a secret of anything but the test), for Java servers that take no PEM key store (Kafka Connect's
 * REST listener, through Jetty). Made with openssl unless it is there and newer than the certificate.
 */
export function ensureServerKeyStore(ctx: HarnessContext): string {
    const files = ensureCertificates(ctx);
    const store = path.join(files.dir, "server.p12");
    if (fs.existsSync(store) && fs.statSync(store).mtimeMs >= fs.statSync(files.serverCert).mtimeMs) return store;
    const scratch = `${store}.tmp-${process.pid}`;
    runChecked(
        "openssl",
        [
            "pkcs12",
            "-export",
            "-in",
            files.serverCert,
            "-inkey",
            files.serverKey,
            "-name",
            "server",
            "-out",
            scratch,
            "-passout",
            `pass:${JAVA_TRUST_STORE_PASSWORD}`,
        ],
        { timeoutMs: 60_000 },
    );
    fs.chmodSync(scratch, 0o600);
    fs.renameSync(scratch, store);
    return store;
}
