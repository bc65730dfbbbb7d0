/**
 * A throwaway PKI for tests: a CA and a server certificate it signs for the names given (openssl, EC
 * P-256 keys, in a temporary directory removed at once). What a stack's own PKI issues for
 * `lakehouse:flink.tls`.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export interface TestPki {
    /** The CA's certificate (PEM). */
    caCert: string;
    /** The server certificate (PEM), naming `names`. */
    certificate: string;
    /** The server certificate's private key (PEM, PKCS#8). */
    key: string;
}

/** A CA and a server certificate for `names` (DNS names, or IPv4 addresses), valid for 30 days from now. */
export function makeTestPki(names: string[], options: { subject?: string } = {}): TestPki {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lakehouse-pki-"));
    const at = (f: string) => path.join(dir, f);
    const openssl = (args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"], timeout: 30_000 });
    try {
        const key = (file: string) => openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", at(file)]);
        key("ca.key");
        openssl(["req", "-x509", "-new", "-key", at("ca.key"), "-out", at("ca.pem"), "-days", "30", "-subj", "/CN=lakehouse test CA"]);
        key("server.key");
        openssl(["req", "-new", "-key", at("server.key"), "-out", at("server.csr"), "-subj", options.subject ?? `/CN=${names[0] ?? "server"}`]);
        const san = names.map((n) => (/^[\d.]+$/.test(n) ? `IP:${n}` : `DNS:${n}`)).join(",");
        fs.writeFileSync(at("server.ext"), `${san ? `subjectAltName=${san}\n` : ""}extendedKeyUsage=serverAuth\n`);
        openssl([
            "x509",
            "-req",
            "-in",
            at("server.csr"),
            "-CA",
            at("ca.pem"),
            "-CAkey",
            at("ca.key"),
            "-CAcreateserial",
            "-out",
            at("server.pem"),
            "-days",
            "30",
            "-extfile",
            at("server.ext"),
        ]);
        const read = (f: string) => fs.readFileSync(at(f), "utf8");
        return { caCert: read("ca.pem"), certificate: read("server.pem"), key: read("server.key") };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}
