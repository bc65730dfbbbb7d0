/**
 * A throwaway PKI for tests: a CA and a server certificate it signs for the names given (openssl, RSA
 * keys, in a temporary directory removed at once; the harness's `signWithCa`). What a stack's own PKI
 * issues for `lakehouse:flink.tls`.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { signWithCa } from "../../harness/lib/tls";

export interface TestPki {
    /** The CA's certificate (PEM). */
    caCert: string;
    /** The server certificate (PEM), naming `names`. */
    certificate: string;
    /** The server certificate's private key (PEM, PKCS#8). */
    key: string;
}

/** A CA and a server certificate for `names` (DNS names, or IPv4 addresses), valid for 30 days from now, signed as the harness signs its own. */
export function makeTestPki(names: string[]): TestPki {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lakehouse-pki-"));
    const at = (f: string) => path.join(dir, f);
    try {
        execFileSync(
            "openssl",
            ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", at("ca.key"), "-out", at("ca.pem"), "-days", "30", "-subj", "/CN=lakehouse test CA"],
            { cwd: dir, stdio: ["ignore", "ignore", "pipe"], timeout: 30_000 },
        );
        const san = names.map((n) => (/^[\d.]+$/.test(n) ? `IP:${n}` : `DNS:${n}`)).join(",");
        signWithCa(dir, "server", `/CN=${names[0] ?? "server"}`, `${san ? `subjectAltName=${san}\n` : ""}extendedKeyUsage=serverAuth\n`, 30);
        const read = (f: string) => fs.readFileSync(at(f), "utf8");
        return { caCert: read("ca.pem"), certificate: read("server.pem"), key: read("server.key") };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}
