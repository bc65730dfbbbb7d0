/**
 * One stand-in instance: its context (store, lock, log), its routes, and the HTTP server that listens
 * for them until close().
 */
import * as http from "http";
import * as https from "https";
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
    /** Also serve the same API over HTTPS on this port with this certificate and key (PEM text); 0 picks a free port. */
    https?: { port: number; cert: string; key: string };
}

/** A running stand-in instance. */
export interface DremioStandin {
    url: string;
    port: number;
    /** With `https`: the HTTPS listener's URL. */
    httpsUrl?: string;
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

    const handle = (req: http.IncomingMessage, res: http.ServerResponse) => {
        router.handle(req, res).catch((e) => {
            log(`response failed: ${(e as Error).message}`);
            res.destroy();
        });
    };
    const listen = (server: http.Server, port: number) =>
        new Promise<number>((resolve, reject) => {
            server.once("error", reject);
            server.listen(port, host, () => {
                server.off("error", reject);
                resolve((server.address() as { port: number }).port);
            });
        });
    const server = http.createServer(handle);
    const port = await listen(server, opts.port);
    const secure = opts.https ? https.createServer({ cert: opts.https.cert, key: opts.https.key }, handle) : undefined;
    const httpsPort = secure && opts.https ? await listen(secure, opts.https.port) : undefined;
    log(`Dremio REST stand-in (NOT Dremio) listening on http://${host}:${port}${httpsPort ? ` and https://${host}:${httpsPort}` : ""}, data ${opts.dataFile}`);
    const close = (s: http.Server) =>
        new Promise<void>((resolve, reject) => {
            s.close((err) => (err ? reject(err) : resolve()));
            s.closeAllConnections();
        });
    return {
        url: `http://${host}:${port}`,
        port,
        ...(httpsPort ? { httpsUrl: `https://${host}:${httpsPort}` } : {}),
        close: async () => {
            await Promise.all([close(server), ...(secure ? [close(secure)] : [])]);
        },
    };
}
