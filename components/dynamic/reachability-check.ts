/**
 * A wait, as a dynamic resource: the workload accepts TCP connections at an address at which Pulumi
 * reaches it. The Kubernetes renderer adds one after each workload it publishes (node ports,
 * in-cluster names), and what depends on the workload waits for it too: a Deployment's pods can be
 * ready before kube-proxy answers on the node port, and the first call of the next resource was
 * refused (the harness's cluster, issue 17).
 *
 * - create, update: wait (bounded, backed off, printing what it waits for) until one of the addresses accepts.
 * - read: nothing lives in a service for it; the state is kept as it is.
 * - delete: nothing to delete.
 * Methods use only ./toolkit (they are serialized).
 */
import * as pulumi from "@pulumi/pulumi";
import { LakehouseResource } from "./lakehouse-resource";
import { InputDiff, engineDiff, inputDiff } from "./toolkit/diff";
import { pollUntil } from "./toolkit/poll";
import { splitHostPort, tcpConnectProblem } from "./toolkit/tcp";
import { isKnown } from "./toolkit/unknown";

/** One connection attempt's bound, in ms. */
const CONNECT_TIMEOUT_MS = 5_000;

export function checkReachabilityInputs(news: Record<string, any>): { property: string; reason: string }[] {
    const failures: { property: string; reason: string }[] = [];
    if (typeof news.workload !== "string" || news.workload === "") failures.push({ property: "workload", reason: "is required (the workload's name)" });
    if (!Array.isArray(news.addresses) || news.addresses.length === 0) failures.push({ property: "addresses", reason: "must list at least one host:port" });
    else
        for (const a of news.addresses)
            if (isKnown(a) && !splitHostPort(String(a)))
                failures.push({
                    property: "addresses",
                    reason: `"${a}" is not host:port (a host name, an IPv4 address or [an IPv6 address], then a port from 1 to 65535)`,
                });
    if (isKnown(news.timeoutSeconds) && !(Number.isInteger(news.timeoutSeconds) && news.timeoutSeconds >= 1))
        failures.push({ property: "timeoutSeconds", reason: `${news.timeoutSeconds} must be a whole number of seconds from 1` });
    return failures;
}

export function diffReachability(olds: Record<string, any>, news: Record<string, any>): InputDiff {
    const changed = ["workload", "addresses", "timeoutSeconds"].filter((k) => JSON.stringify(olds[k]) !== JSON.stringify(news[k]));
    // Nothing to replace: a check holds nothing.
    return inputDiff(changed, []);
}

/**
 * Waits until one of the addresses accepts a connection; throws after `timeoutSeconds`, naming each
 * address and why it refused. One is enough: kube-proxy programs all of a Service's node ports in the
 * same pass, and a workload need not serve every port it publishes (Dremio's stand-in serves its REST
 * API, not JDBC or Arrow Flight).
 */
export async function awaitReachable(inputs: { workload: string; addresses: string[]; timeoutSeconds: number }): Promise<string> {
    return pollUntil(`${inputs.workload} to accept connections at ${inputs.addresses.join(" or ")}`, inputs.timeoutSeconds * 1000, async () => {
        const problems: string[] = [];
        for (const address of inputs.addresses) {
            const problem = await tcpConnectProblem(address, CONNECT_TIMEOUT_MS);
            if (!problem) return { done: true, value: address };
            problems.push(`${address}: ${problem}`);
        }
        return { done: false, seen: problems.join("; ") };
    });
}

export const reachabilityCheckProvider: pulumi.dynamic.ResourceProvider = {
    async check(_olds: any, news: any) {
        return { inputs: news, failures: checkReachabilityInputs(news) };
    },
    async diff(_id: string, olds: any, news: any) {
        return engineDiff(diffReachability(olds, news), olds, news);
    },
    async create(inputs: any) {
        await awaitReachable(inputs);
        return { id: inputs.workload, outs: inputs };
    },
    async update(_id: string, _olds: any, news: any) {
        await awaitReachable(news);
        return { outs: news };
    },
    async read(id: string, props: any) {
        return { id, props };
    },
    async delete() {
        /* a check holds nothing */
    },
};

export interface ReachabilityCheckArgs {
    /** The workload whose addresses these are (its name in messages). */
    workload: pulumi.Input<string>;
    /** `host:port` as the machine running Pulumi reaches the workload. */
    addresses: pulumi.Input<pulumi.Input<string>[]>;
    /** Bound on the wait, in seconds. */
    timeoutSeconds: pulumi.Input<number>;
}

export class ReachabilityCheck extends LakehouseResource {
    constructor(name: string, args: ReachabilityCheckArgs, opts?: pulumi.CustomResourceOptions) {
        super(reachabilityCheckProvider, name, args, opts, "lakehouse", "ReachabilityCheck");
    }
}
