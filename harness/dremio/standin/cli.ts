/**
 * The stand-in as a process, as the harness runs it (harness/dremio/index.ts):
 * `node -r ts-node/register/transpile-only harness/dremio/standin/cli.ts --port 9047 --data-file <file> [--host 127.0.0.1]`.
 * Logs one line per request to stdout; SIGTERM or SIGINT closes the server and exits 0.
 */
import * as fs from "fs";
import { parseArgs } from "node:util";
import { createDremioStandin } from "./server";

const USAGE = "usage: cli.ts --port <port> --data-file <file> [--host 127.0.0.1] [--https-port <port> --tls-cert <pem file> --tls-key <pem file>]\n";

function usageError(problem: string): never {
    process.stderr.write(`${problem}\n${USAGE}`);
    process.exit(2);
}

/** The command line's options, or a usage error (exit 2). */
function readOptions(argv: string[]): { port: number; host: string; dataFile: string; https?: { port: number; cert: string; key: string } } {
    let values: { port?: string; host?: string; "data-file"?: string; "https-port"?: string; "tls-cert"?: string; "tls-key"?: string };
    try {
        ({ values } = parseArgs({
            args: argv,
            options: {
                port: { type: "string", default: "9047" },
                host: { type: "string", default: "127.0.0.1" },
                "data-file": { type: "string" },
                "https-port": { type: "string" },
                "tls-cert": { type: "string" },
                "tls-key": { type: "string" },
            },
            strict: true,
            allowPositionals: false,
        }));
    } catch (e) {
        usageError((e as Error).message);
    }
    const port = Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) usageError(`--port must be a port number, not ${values.port}`);
    if (!values["data-file"]) usageError("--data-file is required");
    let https: { port: number; cert: string; key: string } | undefined;
    if (values["https-port"] !== undefined) {
        const httpsPort = Number(values["https-port"]);
        if (!Number.isInteger(httpsPort) || httpsPort < 0 || httpsPort > 65535) usageError(`--https-port must be a port number, not ${values["https-port"]}`);
        if (!values["tls-cert"] || !values["tls-key"]) usageError("--https-port needs --tls-cert and --tls-key");
        https = { port: httpsPort, cert: fs.readFileSync(values["tls-cert"], "utf8"), key: fs.readFileSync(values["tls-key"], "utf8") };
    }
    return { port, host: values.host ?? "127.0.0.1", dataFile: values["data-file"], ...(https ? { https } : {}) };
}

if (require.main === module) {
    const { port, host, dataFile, https } = readOptions(process.argv.slice(2));
    createDremioStandin({
        port,
        host,
        dataFile,
        ...(https ? { https } : {}),
        log: (line) => process.stdout.write(`[dremio-standin ${new Date().toISOString()}] ${line}\n`),
    }).then(
        (s) => {
            const stop = () => {
                void s.close().finally(() => process.exit(0));
            };
            process.on("SIGTERM", stop);
            process.on("SIGINT", stop);
        },
        (e) => {
            process.stderr.write(`Dremio REST stand-in failed to start: ${(e as Error).stack ?? e}\n`);
            process.exit(1);
        },
    );
}
