/**
 * Whether a TCP address accepts connections: for the preflight of existing services
 * (../../preflight.ts) and the wait on an address that a platform has just published. A Kubernetes
 * node port answers only once kube-proxy has programmed it, which can be a moment after its pods are
 * ready (seen on the harness's cluster: ECONNREFUSED on the first call).
 *
 * Serialization-safe (see ./README.md): `net` is required inside the function that uses it.
 */

/** `host:port` (a host name, an IPv4 address, or `[an IPv6 address]`) split; undefined when it is not one. */
export function splitHostPort(address: string): { host: string; port: number } | undefined {
    const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^\s:[\]]+)):(\d{1,5})$/.exec(address);
    if (!m) return undefined;
    const port = Number(m[3]);
    if (port < 1 || port > 65535) return undefined;
    return { host: m[1] ?? m[2], port };
}

/**
 * Opens one connection to `address` and closes it at once. Resolves undefined when the connection
 * was accepted, otherwise the cause as a user reads it: the error code (ECONNREFUSED, ENOTFOUND,
 * EHOSTUNREACH) or `no TCP answer within N ms`. Never rejects.
 */
export function tcpConnectProblem(address: string, timeoutMs: number): Promise<string | undefined> {
    const target = splitHostPort(address);
    if (!target) return Promise.resolve(`"${address}" is not host:port`);
    const net = require("net");
    return new Promise((resolve) => {
        const socket = net.connect({ host: target.host, port: target.port });
        let settled = false;
        const settle = (problem: string | undefined) => {
            if (settled) return;
            settled = true;
            socket.destroy();
            resolve(problem);
        };
        socket.setTimeout(timeoutMs, () => settle(`no TCP answer within ${timeoutMs} ms`));
        socket.once("connect", () => settle(undefined));
        socket.once("error", (err: { code?: string; message?: string }) => settle(err.code ?? err.message ?? String(err)));
    });
}
