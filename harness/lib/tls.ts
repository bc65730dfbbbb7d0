/**
 * The harness's own certificate authority, for the services it runs with TLS (issue 19: kafka-tls's
 * SASL_SSL listener, postgres-tls's `ssl=on`): a CA, a server certificate for 127.0.0.1 and
 * localhost, and a client certificate for mutual TLS, all PEM, made once per run directory with the
 * `openssl` command line (.ci/run installs it) and kept. Keys are unencrypted PKCS#8 (what Kafka's PEM
 * key stores and PostgreSQL read), readable by their owner only. Test infrastructure: the product never
 * makes certificates, it is given them.
 */
import * as fs from "fs";
import * as path from "path";
import { HarnessContext } from "./types";
import { runChecked } from "./process";

/** The files of the harness's CA, all PEM. */
export interface HarnessCertificates {
    dir: string;
    /** The CA's certificate: what a client trusts. */
    caCert: string;
    /** The server certificate (CN 127.0.0.1, SANs IP 127.0.0.1 and DNS localhost), signed by the CA. */
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

/**
 * Makes the CA and its certificates in `<runDir>/tls` unless every file is already there. Built in a
 * scratch directory and renamed into place, so a run interrupted half-way leaves nothing half-made.
 */
export function ensureCertificates(ctx: HarnessContext): HarnessCertificates {
    const files = certificateFiles(ctx.runDir);
    const wanted = [files.caCert, files.serverCert, files.serverKey, files.serverKeyAndCert, files.clientCert, files.clientKey];
    if (wanted.every((f) => fs.existsSync(f))) return files;
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
    const sign = (name: string, subject: string, extensions: string) => {
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
            String(DAYS),
            "-extfile",
            at(`${name}.ext`),
        ]);
    };
    sign("server", "/CN=127.0.0.1", "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n");
    sign("client", "/CN=lakehouse", "extendedKeyUsage=clientAuth\n");
    fs.writeFileSync(at("server-key-and-cert.pem"), fs.readFileSync(at("server.key"), "utf8") + fs.readFileSync(at("server.pem"), "utf8"));
    for (const name of fs.readdirSync(scratch)) fs.chmodSync(at(name), name.endsWith(".key") || name.includes("key-and") ? 0o600 : 0o644);
    fs.rmSync(files.dir, { recursive: true, force: true });
    fs.renameSync(scratch, files.dir);
    return files;
}
