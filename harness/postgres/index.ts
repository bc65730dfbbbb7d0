/**
 * PostgreSQL 15 from Debian's package, run as the `postgres` OS user (initdb and postgres refuse
 * root) on 127.0.0.1:5432 with logical WAL. Own data directory; password (SCRAM) auth over TCP for
 * the superuser `postgres`; the Unix socket lives in the service's own directory (no clash with a
 * Debian-managed cluster's /var/run/postgresql).
 *
 * `postgres-tls` (on demand, issue 19): a second cluster on 127.0.0.1:15432 with `ssl=on` (the
 * harness's server certificate, ../lib/tls.ts) that takes TCP connections over TLS only: a password
 * login for every user, a client certificate (`cert`, verified against the harness's CA) for the user
 * `lakehouse_cert`; plaintext is rejected by pg_hba. What a company PostgreSQL with TLS required looks like.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { spawnSync } from "child_process";
import { Client } from "pg";
import { HarnessContext, ServiceDefinition } from "../lib/types";
import { loadVersions } from "../lib/context";
import { isRecordAlive, lookupUser, readPidRecord, runChecked } from "../lib/process";
import { waitFor, withTimeout } from "../lib/wait";
import { HarnessCertificates, certificateFiles, ensureCertificates } from "../lib/tls";

/** Which cluster: the plain one, or the TLS-only one (its own port, directory and pg_hba). */
interface Flavour {
    name: string;
    tls: boolean;
}
const PLAIN: Flavour = { name: "postgres", tls: false };
const TLS: Flavour = { name: "postgres-tls", tls: true };

function cfg(ctx: HarnessContext, flavour: Flavour = PLAIN) {
    const p = ctx.versions.postgres;
    return {
        tlsPort: p.tls.port as number,
        /** The user that logs in with a client certificate on postgres-tls (no password). */
        certUser: p.tls.certUser as string,
        major: Number(p.majorVersion),
        binDir: p.binDir as string,
        osUser: p.osUser as string,
        superuser: p.superuser as string,
        password: p.password as string,
        database: p.database as string,
        port: (flavour.tls ? p.tls.port : p.port) as number,
        maxReplicationSlots: p.maxReplicationSlots as number,
        maxWalSenders: p.maxWalSenders as number,
    };
}

/** The OS user to run as: `postgres` when we are root, else ourselves (non-root initdb is fine). */
function runAsUser(ctx: HarnessContext): string | undefined {
    return process.getuid && process.getuid() === 0 ? cfg(ctx).osUser : undefined;
}

function canUserReach(user: string | undefined, dir: string): boolean {
    if (!user) return true;
    const u = lookupUser(user);
    const r = spawnSync("test", ["-x", dir, "-a", "-r", dir], { uid: u.uid, gid: u.gid });
    return r.status === 0;
}

/**
 * Where the cluster lives: runDir/postgres when the run user can reach it; otherwise (e.g. runDir
 * under /root) a directory the postgres user owns under /var/tmp, linked from runDir/postgres.
 */
export function postgresBaseDir(ctx: HarnessContext, flavour: Flavour = PLAIN): string {
    const inRun = path.join(ctx.runDir, flavour.name);
    try {
        if (fs.lstatSync(inRun).isSymbolicLink()) return fs.realpathSync(inRun);
    } catch {
        /* not there yet */
    }
    if (canUserReach(runAsUser(ctx), ctx.runDir)) return inRun;
    const hash = crypto.createHash("sha256").update(ctx.runDir).digest("hex").slice(0, 10);
    return path.join("/var/tmp", `cdc-lakehouse-${flavour.name}-${hash}`);
}

function dirs(ctx: HarnessContext, flavour: Flavour = PLAIN) {
    const base = postgresBaseDir(ctx, flavour);
    return { base, data: path.join(base, "data"), socket: path.join(base, "socket"), tls: path.join(base, "tls") };
}

function ownDir(dir: string, user: string | undefined): void {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    fs.chmodSync(dir, 0o700);
    if (user) {
        const u = lookupUser(user);
        fs.chownSync(dir, u.uid, u.gid);
    }
}

function bin(ctx: HarnessContext, name: string): string {
    return path.join(cfg(ctx).binDir, name);
}

export function connectionConfig(ctx: HarnessContext, flavour: Flavour = PLAIN) {
    const c = cfg(ctx, flavour);
    return { host: "127.0.0.1", port: c.port, user: c.superuser, password: c.password, database: c.database };
}

/** node-postgres's TLS options for postgres-tls: the harness's CA trusted, the server's name checked (verify-full). */
export function tlsClientSsl(ctx: HarnessContext): { ca: string; rejectUnauthorized: true } {
    return { ca: fs.readFileSync(certificateFiles(ctx.runDir).caCert, "utf8"), rejectUnauthorized: true };
}

/**
 * postgres-tls's pg_hba.conf: the socket trusted (the harness's own admin), TCP over TLS only: a client
 * certificate for the certificate user, a SCRAM password for everyone else (replication too), plaintext
 * rejected, so a client that does not use TLS is told so by the server.
 */
export function tlsHbaConf(certUser: string): string {
    return [
        "# postgres-tls (harness/postgres/index.ts): TLS only over TCP.",
        "local   all          all                 trust",
        "local   replication  all                 trust",
        `hostssl all          ${certUser}  127.0.0.1/32  cert`,
        "hostssl all          all          127.0.0.1/32  scram-sha-256",
        "hostssl replication  all          127.0.0.1/32  scram-sha-256",
        "hostnossl all        all          0.0.0.0/0     reject",
        "hostnossl replication all         0.0.0.0/0     reject",
        "",
    ].join("\n");
}

/** The server settings naming the certificate files in the cluster's own TLS directory. */
function serverCertificateSettings(dir: string): { ssl_cert_file: string; ssl_key_file: string; ssl_ca_file: string } {
    return { ssl_cert_file: path.join(dir, "server.pem"), ssl_key_file: path.join(dir, "server.key"), ssl_ca_file: path.join(dir, "ca.pem") };
}

/** Copies the server's certificate, key and the CA into the cluster's own directory, owned by its user (PostgreSQL refuses a key others can read). */
function installServerCertificates(certs: HarnessCertificates, dir: string, user: string | undefined): void {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const files = serverCertificateSettings(dir);
    fs.copyFileSync(certs.serverCert, files.ssl_cert_file);
    fs.copyFileSync(certs.serverKey, files.ssl_key_file);
    fs.copyFileSync(certs.caCert, files.ssl_ca_file);
    for (const f of [dir, ...Object.values(files)]) {
        fs.chmodSync(f, f === dir ? 0o700 : 0o600);
        if (user) {
            const u = lookupUser(user);
            fs.chownSync(f, u.uid, u.gid);
        }
    }
}

/**
 * Points the run directory's entry at the data directory (which lives under /var/tmp, see dirs()). A
 * link already there is kept when it names the target, even dangling (as when /var/tmp was emptied:
 * the caller creates the target next), and replaced when it names another; a real directory there is
 * left alone.
 */
export function linkRunDir(target: string, link: string): void {
    let stat: fs.Stats | undefined;
    try {
        stat = fs.lstatSync(link);
    } catch {
        stat = undefined;
    }
    if (stat && !stat.isSymbolicLink()) return;
    if (stat && fs.readlinkSync(link) === target) return;
    if (stat) fs.unlinkSync(link);
    fs.symlinkSync(target, link);
}

function postgresService(flavour: Flavour): ServiceDefinition {
    const versions = loadVersions().postgres;
    const port = flavour.tls ? versions.tls.port : versions.port;

    return {
        name: flavour.name,
        ports: { postgres: port },
        dependsOn: [],
        ...(flavour.tls ? { onDemand: true } : {}),
        startTimeoutMs: 90000,

        async install(ctx) {
            const c = cfg(ctx, flavour);
            for (const tool of ["initdb", "postgres"]) {
                if (!fs.existsSync(bin(ctx, tool))) {
                    throw new Error(
                        `PostgreSQL ${c.major} is not installed: ${bin(ctx, tool)} is missing. ` +
                            `Install Debian's package: apt-get install -y postgresql-${c.major}`,
                    );
                }
            }
            const version = runChecked(bin(ctx, "postgres"), ["--version"]).trim();
            if (!new RegExp(`\\b${c.major}\\.`).test(version)) throw new Error(`expected PostgreSQL ${c.major}, found: ${version}`);
            if (runAsUser(ctx)) lookupUser(c.osUser);
        },

        async prepare(ctx) {
            const c = cfg(ctx, flavour);
            const user = runAsUser(ctx);
            const d = dirs(ctx, flavour);
            const inRun = path.join(ctx.runDir, flavour.name);
            if (d.base !== inRun) linkRunDir(d.base, inRun);
            ownDir(d.base, user);
            ownDir(d.socket, user);
            if (flavour.tls) installServerCertificates(ensureCertificates(ctx), d.tls, user);
            const versionFile = path.join(d.data, "PG_VERSION");
            if (fs.existsSync(versionFile)) {
                const found = fs.readFileSync(versionFile, "utf8").trim();
                if (found !== String(c.major)) {
                    throw new Error(`data directory ${d.data} is for PostgreSQL ${found}, not ${c.major}: remove it (this loses its data) and run up again`);
                }
                return;
            }
            ctx.log(`initdb ${d.data}`);
            fs.rmSync(d.data, { recursive: true, force: true });
            const pwfile = path.join(d.base, "initdb-password");
            fs.writeFileSync(pwfile, c.password + "\n", { mode: 0o600 });
            if (user) {
                const u = lookupUser(user);
                fs.chownSync(pwfile, u.uid, u.gid);
            }
            try {
                runChecked(
                    bin(ctx, "initdb"),
                    [
                        "-D",
                        d.data,
                        "-U",
                        c.superuser,
                        `--pwfile=${pwfile}`,
                        "--auth-local=trust",
                        "--auth-host=scram-sha-256",
                        "-E",
                        "UTF8",
                        "--no-locale",
                        "--no-sync",
                    ],
                    { user, cwd: d.base, timeoutMs: 120000 },
                );
            } finally {
                fs.rmSync(pwfile, { force: true });
            }
            if (flavour.tls) fs.writeFileSync(path.join(d.data, "pg_hba.conf"), tlsHbaConf(c.certUser));
        },

        start(ctx) {
            const c = cfg(ctx, flavour);
            const d = dirs(ctx, flavour);
            const settings: Record<string, string | number> = {
                listen_addresses: "127.0.0.1",
                port: c.port,
                unix_socket_directories: d.socket,
                wal_level: "logical",
                max_replication_slots: c.maxReplicationSlots,
                max_wal_senders: c.maxWalSenders,
                // An abandoned Debezium slot must not fill the disk.
                max_slot_wal_keep_size: "2GB",
                password_encryption: "scram-sha-256",
                logging_collector: "off",
                shared_buffers: "128MB",
                max_connections: 100,
                ...(flavour.tls
                    ? {
                          ssl: "on",
                          ...serverCertificateSettings(d.tls),
                          ssl_min_protocol_version: "TLSv1.2",
                      }
                    : {}),
            };
            const args = ["-D", d.data];
            for (const [k, v] of Object.entries(settings)) args.push("-c", `${k}=${v}`);
            return { command: bin(ctx, "postgres"), args, cwd: d.base, user: runAsUser(ctx) };
        },

        health: {
            describe: flavour.tls
                ? `PostgreSQL on 127.0.0.1:${port} accepts a password login over TLS (verify-full, the harness's CA) and reports wal_level=logical`
                : `PostgreSQL on 127.0.0.1:${port} accepts a password login and reports wal_level=logical`,
            async check(ctx) {
                const client = new Client({
                    ...connectionConfig(ctx, flavour),
                    ...(flavour.tls ? { ssl: tlsClientSsl(ctx) } : {}),
                    connectionTimeoutMillis: 3000,
                    query_timeout: 5000,
                });
                client.on("error", () => undefined);
                try {
                    await withTimeout(client.connect(), 5000, "PostgreSQL connect");
                    const r = await client.query("SHOW wal_level");
                    if (r.rows[0]?.wal_level !== "logical") throw new Error(`wal_level is ${r.rows[0]?.wal_level}, not logical`);
                    return true;
                } finally {
                    await withTimeout(client.end(), 3000, "PostgreSQL disconnect").catch(() => undefined);
                }
            },
        },

        async afterHealthy(ctx) {
            // Keep the password in step with versions.json even for a data dir made with an older one (socket auth is trust).
            const c = cfg(ctx, flavour);
            const client = new Client({ host: dirs(ctx, flavour).socket, port: c.port, user: c.superuser, database: c.database, query_timeout: 5000 });
            client.on("error", () => undefined);
            try {
                await withTimeout(client.connect(), 5000, "PostgreSQL socket connect");
                await client.query(`ALTER ROLE ${c.superuser} WITH PASSWORD '${c.password.replace(/'/g, "''")}'`);
                // The certificate user logs in with the CN of the harness's client certificate, no password.
                if (flavour.tls)
                    await client.query(
                        `DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${c.certUser}') THEN CREATE ROLE ${c.certUser} LOGIN REPLICATION; END IF; END $$`,
                    );
            } finally {
                await withTimeout(client.end(), 3000, "PostgreSQL disconnect").catch(() => undefined);
            }
        },

        async stop(ctx) {
            // Fast shutdown: SIGINT to the postmaster only (it ends its own backends), then wait for it.
            const record = readPidRecord(ctx, flavour.name);
            if (!record || !isRecordAlive(record)) return;
            ctx.log(`fast shutdown of PostgreSQL (postmaster ${record.pid})`);
            process.kill(record.pid, "SIGINT");
            await waitFor("PostgreSQL postmaster to finish its fast shutdown", () => !isRecordAlive(record), {
                timeoutMs: 60000,
                initialDelayMs: 100,
                maxDelayMs: 1000,
            }).catch((err) => ctx.log(`${(err as Error).message}; the harness will signal the process group`));
        },

        endpoints(ctx) {
            const c = connectionConfig(ctx, flavour);
            const certs = certificateFiles(ctx.runDir);
            return {
                ...(flavour.tls
                    ? {
                          sslmode: "verify-full",
                          caFile: certs.caCert,
                          certUser: cfg(ctx, flavour).certUser,
                          clientCertFile: certs.clientCert,
                          clientKeyFile: certs.clientKey,
                      }
                    : {}),
                host: c.host,
                port: String(c.port),
                user: c.user,
                password: c.password,
                database: c.database,
                url: `postgresql://${encodeURIComponent(c.user)}:${encodeURIComponent(c.password)}@${c.host}:${c.port}/${c.database}${flavour.tls ? "?sslmode=verify-full" : ""}`,
            };
        },

        stateOutsideRunDir(ctx) {
            const base = postgresBaseDir(ctx, flavour);
            return base.startsWith(ctx.runDir + path.sep) ? [] : [base];
        },
    };
}

export const definitions: ServiceDefinition[] = [postgresService(PLAIN), postgresService(TLS)];
