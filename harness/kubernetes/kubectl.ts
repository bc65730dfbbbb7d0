/**
 * `kubectl` against the harness's cluster as its administrator: the binary the harness built, the
 * admin kubeconfig of the run directory. One helper for the harness, the bench stacks and the tests.
 */
import * as path from "path";
import { HarnessContext } from "../lib/types";
import { run } from "../pulumi/gobuild";
import { ClusterLayout, clusterPaths } from "./config";
import { kubernetesBinDir } from "./install";

/** Runs kubectl with the admin kubeconfig; its output, or an error naming the command and kubectl's own message. */
export async function kubectl(ctx: Pick<HarnessContext, "cacheDir">, l: ClusterLayout, args: string[], timeoutMs = 60_000): Promise<string> {
    const r = await run(path.join(kubernetesBinDir(ctx.cacheDir), "kubectl"), ["--kubeconfig", clusterPaths(l).kubeconfig("admin"), ...args], { timeoutMs });
    if (r.code !== 0)
        throw new Error(`kubectl ${args.join(" ")} failed (exit ${r.code}; is the cluster up? npm run harness -- up k8s): ${(r.stderr || r.stdout).trim()}`);
    return r.stdout;
}

/** `kubectl get <what> -o json`'s items. */
export async function kubectlItems(ctx: Pick<HarnessContext, "cacheDir">, l: ClusterLayout, args: string[]): Promise<any[]> {
    return JSON.parse(await kubectl(ctx, l, ["get", ...args, "-o", "json"], 30_000)).items ?? [];
}
