/**
 * One stand-in instance: its context (store, lock, log), its routes, and the HTTP server that listens
 * for them until close().
 */
import * as http from "http";
import { DEFAULT_TOKEN_TTL_MS } from "./auth";
import { createStandinContext } from "./context";
import { standinRouter } from "./routes";

/** How to run a stand-in instance. */
export interface DremioStandinOptions {
    /** 0 picks a free port. */
    port: number;
    host?: string;
    /** JSON file holding users, tokens and the catalog; created if missing, survives restarts. */
    dataFile: string;
    /** Session token lifetime (default: Dremio's 30 hours). */
    tokenTtlMs?: number;
    /** Bound on each request to Nessie while validating a source (default 10 s). */
    nessieTimeoutMs?: number;
    log?: (line: string) => void;
}

/** A running stand-in instance. */
export interface DremioStandin {
    url: string;
    port: number;
    close(): Promise<void>;
}

/** Starts a stand-in of Dremio's REST API (NOT Dremio) listening on opts.host:opts.port, state in opts.dataFile. */
export async function createDremioStandin(opts: DremioStandinOptions): Promise<DremioStandin> {
    const host = opts.host ?? "127.0.0.1";
    const log = opts.log ?? (() => undefined);
    const ctx = createStandinContext({
        dataFile: opts.dataFile,
        tokenTtlMs: opts.tokenTtlMs ?? DEFAULT_TOKEN_TTL_MS,
        nessieTimeoutMs: opts.nessieTimeoutMs ?? 10000,
        log,
    });
    const router = standinRouter(ctx);

    const server = http.createServer((req, res) => {
        router.handle(req, res).catch((e) => {
            log(`response failed: ${(e as Error).message}`);
            res.destroy();
        });
    });
    await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(opts.port, host, () => {
            server.off("error", reject);
            resolve();
        });
    });
    const port = (server.address() as { port: number }).port;
    log(`Dremio REST stand-in (NOT Dremio) listening on http://${host}:${port}, data ${opts.dataFile}`);
    return {
        url: `http://${host}:${port}`,
        port,
        close: () =>
            new Promise<void>((resolve, reject) => {
                server.close((err) => (err ? reject(err) : resolve()));
                server.closeAllConnections();
            }),
    };
}
