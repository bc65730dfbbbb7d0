/**
 * The cluster's certificates, made once with Debian's `openssl` (no shell: argument vectors): a CA,
 * the leaf certificates of `certSpecs`, and the service-account signing key pair. Kept across
 * restarts (the cluster's state in etcd trusts them); a missing file is made again.
 */
import * as fs from "fs";
import * as path from "path";
import { run } from "../pulumi/gobuild";
import { CertSpec, ClusterLayout, certExtensions, certSpecs, certSubject, clusterPaths } from "./config";

async function openssl(args: string[], cwd: string): Promise<void> {
    const r = await run("openssl", args, { cwd, timeoutMs: 60_000 });
    if (r.code !== 0) throw new Error(`openssl ${args[0]} failed (exit ${r.code}): ${(r.stderr || r.stdout).trim()}`);
}

async function leaf(l: ClusterLayout, c: CertSpec): Promise<void> {
    const p = clusterPaths(l);
    if (fs.existsSync(p.cert(c.name)) && fs.existsSync(p.key(c.name))) return;
    const ext = path.join(p.pki, `${c.name}.ext`);
    const csr = path.join(p.pki, `${c.name}.csr`);
    fs.writeFileSync(ext, certExtensions(c) + "\n");
    await openssl(["genrsa", "-out", p.key(c.name), "2048"], p.pki);
    await openssl(["req", "-new", "-key", p.key(c.name), "-subj", certSubject(c), "-out", csr], p.pki);
    await openssl(
        [
            "x509",
            "-req",
            "-in",
            csr,
            "-CA",
            p.cert("ca"),
            "-CAkey",
            p.key("ca"),
            "-CAcreateserial",
            "-days",
            "3650",
            "-sha256",
            "-extfile",
            ext,
            "-out",
            p.cert(c.name),
        ],
        p.pki,
    );
    fs.rmSync(csr, { force: true });
    fs.rmSync(ext, { force: true });
}

/** Makes whatever certificate or key is missing. */
export async function ensurePki(l: ClusterLayout): Promise<void> {
    const p = clusterPaths(l);
    fs.mkdirSync(p.pki, { recursive: true, mode: 0o700 });
    if (!fs.existsSync(p.cert("ca")) || !fs.existsSync(p.key("ca"))) {
        await openssl(["genrsa", "-out", p.key("ca"), "2048"], p.pki);
        await openssl(
            [
                "req",
                "-x509",
                "-new",
                "-key",
                p.key("ca"),
                "-subj",
                "/CN=lakehouse-kubernetes-ca",
                "-days",
                "3650",
                "-sha256",
                "-addext",
                "basicConstraints=critical,CA:TRUE",
                "-addext",
                "keyUsage=critical,keyCertSign,cRLSign,digitalSignature",
                "-out",
                p.cert("ca"),
            ],
            p.pki,
        );
    }
    for (const c of certSpecs(l)) await leaf(l, c);
    if (!fs.existsSync(p.serviceAccountKey) || !fs.existsSync(p.serviceAccountPub)) {
        await openssl(["genrsa", "-out", p.serviceAccountKey, "2048"], p.pki);
        await openssl(["rsa", "-in", p.serviceAccountKey, "-pubout", "-out", p.serviceAccountPub], p.pki);
    }
}
