/**
 * MinIO, built from its published Go module and run as a plain process on loopback.
 *
 * install: `go install` of a pinned MinIO RELEASE (a pseudo-version of the release tag's commit:
 * MinIO's RELEASE.* tags are not semantic versions) into <cache>/bin/minio; a marker file makes
 * it a no-op once built. The S3 API listens on 127.0.0.1:9000, the console on 127.0.0.1:9001.
 */
import * as fs from "fs";
import * as path from "path";
import type { HarnessContext, ServiceDefinition } from "../lib/types";
import { containerHostAddress, ensureCertificates } from "../lib/tls";
import { sendRequest } from "../../components/dynamic/toolkit/http";
import { binDir, downloadModule, goEnv, goExecutable, isInstalled, placeBinary, run, tail, writableCopy, writeMarker } from "../pulumi/gobuild";

/** The pinned build; harness/versions.json (`minio` section) overrides it. */
export interface MinioVersion {
    /** Go module path. */
    module: string;
    /** Module version as the Go module proxy knows it (pseudo-version of the release commit). */
    version: string;
    /** MinIO's own release name (what `minio --version` prints). */
    release: string;
    /** Full commit id of the release tag, stamped into the binary. */
    commit: string;
}

export const DEFAULT_MINIO_VERSION: MinioVersion = {
    module: "github.com/minio/minio",
    version: "v0.0.0-20250907161309-07c3a429bfed",
    release: "RELEASE.2025-09-07T16-13-09Z",
    commit: "07c3a429bfed433e49018cb0f78a52145d4bedeb",
};

export const MINIO_HOST = "127.0.0.1";
export const MINIO_API_PORT = 9000;
export const MINIO_CONSOLE_PORT = 9001;
export const MINIO_REGION = "us-east-1";

/**
 * Local test credentials of the harness's MinIO: loopback only, never used anywhere else.
 * This is the one place they are written; everything else reads them from `endpoints()`.
 */
export const MINIO_LOCAL_CREDENTIALS = {
    accessKeyId: "lakehouse-admin",
    secretAccessKey: "lakehouse-local-secret",
} as const;

/** Endpoints and credentials of the harness's MinIO (the same for every context). */
export function minioEndpoints(): Record<string, string> {
    return {
        endpoint: `http://${MINIO_HOST}:${MINIO_API_PORT}`,
        consoleEndpoint: `http://${MINIO_HOST}:${MINIO_CONSOLE_PORT}`,
        host: MINIO_HOST,
        port: String(MINIO_API_PORT),
        region: MINIO_REGION,
        accessKeyId: MINIO_LOCAL_CREDENTIALS.accessKeyId,
        secretAccessKey: MINIO_LOCAL_CREDENTIALS.secretAccessKey,
        pathStyle: "true",
    };
}

export function minioVersion(ctx: Pick<HarnessContext, "versions">): MinioVersion {
    const v = (ctx.versions && ctx.versions.minio) || {};
    return { ...DEFAULT_MINIO_VERSION, ...v };
}

export function minioBinary(cacheDir: string): string {
    return path.join(binDir(cacheDir), "minio");
}

/** Linker flags MinIO's own build uses, so `minio --version` names the release and commit. */
export function minioLdflags(v: MinioVersion): string {
    // RELEASE.2025-09-07T16-13-09Z -> 2025-09-07T16:13:09Z
    const m = /^RELEASE\.(\d{4}-\d{2}-\d{2})T(\d{2})-(\d{2})-(\d{2})Z/.exec(v.release);
    const stamp = m ? `${m[1]}T${m[2]}:${m[3]}:${m[4]}Z` : v.release;
    const year = m ? m[1].slice(0, 4) : String(new Date().getUTCFullYear());
    const p = "github.com/minio/minio/cmd";
    return [
        "-s -w",
        `-X ${p}.Version=${stamp}`,
        `-X ${p}.CopyrightYear=${year}`,
        `-X ${p}.ReleaseTag=${v.release}`,
        `-X ${p}.CommitID=${v.commit}`,
        `-X ${p}.ShortCommitID=${v.commit.slice(0, 12)}`,
    ].join(" ");
}

/** Idempotent build of the MinIO server into <cache>/bin/minio. */
export async function installMinio(ctx: Pick<HarnessContext, "cacheDir" | "versions" | "log">): Promise<void> {
    const v = minioVersion(ctx);
    const work = path.join(ctx.cacheDir, "minio");
    const marker = path.join(work, "installed.json");
    const bin = minioBinary(ctx.cacheDir);
    const want = { module: v.module, version: v.version, release: v.release };
    if (isInstalled(marker, want, [bin])) {
        ctx.log(`${v.release} already built (${bin})`);
        return;
    }
    fs.mkdirSync(work, { recursive: true });
    const logFile = path.join(work, `build-${v.release}.log`);
    fs.writeFileSync(logFile, `building ${v.module}@${v.version} (${v.release}) at ${new Date().toISOString()}\n`);
    ctx.log(`building ${v.release} from Go module ${v.module}@${v.version} (takes minutes on 2 cores; log: ${logFile})`);
    const started = Date.now();
    const gobin = path.join(work, "gobin");
    fs.rmSync(gobin, { recursive: true, force: true });
    fs.mkdirSync(gobin, { recursive: true });
    const flags = ["-tags", "kqueue", "-trimpath", "-ldflags", minioLdflags(v)];
    const built = path.join(gobin, "minio");
    const inst = await run(goExecutable(), ["install", ...flags, `${v.module}@${v.version}`], {
        env: goEnv({ GOBIN: gobin }),
        logFile,
        cwd: work,
    });
    if (inst.code !== 0) {
        // `go install m@v` refuses modules whose go.mod has replace directives: build inside a writable copy.
        if (!/replace directives|must not contain directives/.test(inst.stderr)) {
            throw new Error(`minio: go install failed (exit ${inst.code}); tail of ${logFile}:\n${tail(logFile)}`);
        }
        ctx.log("go install refused the module (replace directives); building inside a copy of the module");
        const dir = await downloadModule(v.module, v.version, logFile);
        const src = path.join(work, `src-${v.release}`);
        writableCopy(dir, src);
        const b = await run(goExecutable(), ["build", ...flags, "-o", built, "."], { env: goEnv(), logFile, cwd: src });
        if (b.code !== 0) throw new Error(`minio: go build failed (exit ${b.code}); tail of ${logFile}:\n${tail(logFile)}`);
        fs.rmSync(src, { recursive: true, force: true });
    }
    placeBinary(built, bin);
    fs.rmSync(gobin, { recursive: true, force: true });
    const ver = await run(bin, ["--version"], { logFile });
    if (ver.code !== 0) throw new Error(`minio: built binary does not run; tail of ${logFile}:\n${tail(logFile)}`);
    const seconds = Math.round((Date.now() - started) / 1000);
    writeMarker(marker, { ...want, builtAt: new Date().toISOString(), buildSeconds: seconds, binary: bin });
    ctx.log(`built ${v.release} in ${seconds}s (${ver.stdout.split("\n")[0].trim()})`);
}

/** One bounded HTTP GET; true on 200. */
async function httpOk(url: string, timeoutMs: number): Promise<boolean> {
    try {
        const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
        await res.arrayBuffer().catch(() => undefined);
        return res.status === 200;
    } catch {
        return false;
    }
}

export const minio: ServiceDefinition = {
    name: "minio",
    ports: { api: MINIO_API_PORT, console: MINIO_CONSOLE_PORT },
    dependsOn: [],
    install: installMinio,
    async prepare(ctx) {
        fs.mkdirSync(path.join(ctx.runDir, "minio-data"), { recursive: true });
    },
    start(ctx) {
        return {
            command: minioBinary(ctx.cacheDir),
            args: [
                "server",
                path.join(ctx.runDir, "minio-data"),
                "--address",
                `${MINIO_HOST}:${MINIO_API_PORT}`,
                "--console-address",
                `${MINIO_HOST}:${MINIO_CONSOLE_PORT}`,
            ],
            env: {
                MINIO_ROOT_USER: MINIO_LOCAL_CREDENTIALS.accessKeyId,
                MINIO_ROOT_PASSWORD: MINIO_LOCAL_CREDENTIALS.secretAccessKey,
                // MINIO_REGION is the legacy name and wins when set; MINIO_SITE_REGION is the current one.
                MINIO_REGION: MINIO_REGION,
                MINIO_SITE_REGION: MINIO_REGION,
                // Same behaviour locally as under CI (CI=true flips it too): small buffer pool, no root-drive checks.
                MINIO_CI_CD: "on",
                MINIO_UPDATE: "off",
            },
            cwd: ctx.runDir,
        };
    },
    health: {
        describe: `MinIO on ${MINIO_HOST}:${MINIO_API_PORT} answers 200 on /minio/health/live and /minio/health/ready`,
        async check() {
            const base = `http://${MINIO_HOST}:${MINIO_API_PORT}`;
            return (await httpOk(`${base}/minio/health/live`, 2000)) && (await httpOk(`${base}/minio/health/ready`, 2000));
        },
    },
    startTimeoutMs: 60_000,
    endpoints: () => minioEndpoints(),
};

/** minio-tls's address: the same server and credentials, HTTPS only (on demand, issue 19). */
export const MINIO_TLS_API_PORT = 19000;
export const MINIO_TLS_CONSOLE_PORT = 19001;

/**
 * `minio-tls` (on demand): a second MinIO that serves S3 over HTTPS only, with the harness's certificate
 * (MinIO reads `public.crt` and `private.key` from its `--certs-dir`), its data of its own; what a
 * company's S3 with a company CA looks like to clients.
 */
export const minioTls: ServiceDefinition = {
    ...minio,
    name: "minio-tls",
    ports: { api: MINIO_TLS_API_PORT, console: MINIO_TLS_CONSOLE_PORT },
    onDemand: true,
    async prepare(ctx) {
        const certs = ensureCertificates(ctx);
        const dir = path.join(ctx.runDir, "minio-tls", "certs");
        fs.mkdirSync(path.join(ctx.runDir, "minio-tls", "data"), { recursive: true });
        fs.mkdirSync(dir, { recursive: true });
        fs.copyFileSync(certs.serverCert, path.join(dir, "public.crt"));
        fs.copyFileSync(certs.serverKey, path.join(dir, "private.key"));
        fs.chmodSync(path.join(dir, "private.key"), 0o600);
    },
    start(ctx) {
        const plain = minio.start(ctx);
        return {
            ...plain,
            args: [
                "server",
                path.join(ctx.runDir, "minio-tls", "data"),
                "--address",
                // On every address when there is a Docker engine, for a Docker stack's containers (HTTPS only; the console stays on loopback).
                `${containerHostAddress() ? "0.0.0.0" : MINIO_HOST}:${MINIO_TLS_API_PORT}`,
                "--console-address",
                `${MINIO_HOST}:${MINIO_TLS_CONSOLE_PORT}`,
                "--certs-dir",
                path.join(ctx.runDir, "minio-tls", "certs"),
            ],
        };
    },
    health: {
        describe: `MinIO over HTTPS on ${MINIO_HOST}:${MINIO_TLS_API_PORT} answers 200 on /minio/health/ready to a client that trusts the harness's CA`,
        async check(ctx) {
            const answer = await sendRequest("MinIO", "GET", `https://${MINIO_HOST}:${MINIO_TLS_API_PORT}/minio/health/ready`, {
                timeoutMs: 2000,
                caCert: fs.readFileSync(ensureCertificates(ctx).caCert, "utf8"),
            }).catch(() => undefined);
            return answer?.status === 200;
        },
    },
    endpoints: (ctx) => {
        const bridge = containerHostAddress();
        return {
            ...minioEndpoints(),
            endpoint: `https://${MINIO_HOST}:${MINIO_TLS_API_PORT}`,
            // Where a Docker stack's containers reach minio-tls (the Docker bridge's address, in its certificate).
            ...(bridge ? { containerEndpoint: `https://${bridge}:${MINIO_TLS_API_PORT}` } : {}),
            consoleEndpoint: `https://${MINIO_HOST}:${MINIO_TLS_CONSOLE_PORT}`,
            port: String(MINIO_TLS_API_PORT),
            caFile: ensureCertificates(ctx).caCert,
        };
    },
};

export const definitions: ServiceDefinition[] = [minio, minioTls];
