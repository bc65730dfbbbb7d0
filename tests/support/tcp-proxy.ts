/**
 * A TCP forwarder the tests switch off and on, to make a service unreachable for a client (Connect,
 * Flink) that holds its address: `close()` refuses new connections and cuts the open ones, `open()`
 * listens again on the same port.
 */
import * as net from "net";

export interface TcpProxy {
    /** The port it listens on (127.0.0.1), the same across `close()`/`open()`. */
    port: number;
    /** Stops listening and destroys every forwarded connection (both ends). */
    close(): Promise<void>;
    /** Listens again on the same port. */
    open(): Promise<void>;
}

/** Forwards 127.0.0.1:<a free port> to `host:port`; listening when it resolves. */
export async function startTcpProxy(host: string, port: number): Promise<TcpProxy> {
    const sockets = new Set<net.Socket>();
    let server: net.Server | undefined;
    let listenPort = 0;
    const listen = () =>
        new Promise<void>((resolve, reject) => {
            const s = net.createServer((client) => {
                const upstream = net.connect(port, host);
                for (const sock of [client, upstream]) {
                    sockets.add(sock);
                    sock.on("close", () => sockets.delete(sock));
                    sock.on("error", () => (sock === client ? upstream : client).destroy());
                }
                client.pipe(upstream);
                upstream.pipe(client);
            });
            s.once("error", reject);
            s.listen(listenPort, "127.0.0.1", () => {
                listenPort = (s.address() as net.AddressInfo).port;
                server = s;
                resolve();
            });
        });
    await listen();
    return {
        get port() {
            return listenPort;
        },
        async close() {
            const s = server;
            server = undefined;
            for (const sock of sockets) sock.destroy();
            if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
        },
        open: listen,
    };
}
