/**
 * The node's local PersistentVolumes after a `pulumi destroy`: Retain leaves each one `Released`, its
 * data on disk and its claim reference set, so no new claim binds it and a stack brought up again
 * from nothing finds too few volumes. `release` makes them Available again, explicitly: it deletes the
 * data in each Released volume of the harness's storage class, then removes its claim reference.
 * Volumes that are Bound or Available are never touched.
 *
 * `npx ts-node --transpile-only harness/kubernetes/volumes.ts release` (the cluster must be up).
 */
import * as fs from "fs";
import * as path from "path";
import { HarnessContext } from "../lib/types";
import { ClusterLayout, clusterPaths } from "./config";
import { kubectl, kubectlItems } from "./kubectl";
import { LOCAL_STORAGE_CLASS } from "./objects";

/** A Released volume of the harness's and where its data is. */
export interface ReleasableVolume {
    name: string;
    path: string;
    /** `<namespace>/<claim>` it was bound to. */
    claim: string;
}

/**
 * The volumes `release` may wipe, from `kubectl get pv -o json`'s items: phase Released, storage class
 * `lakehouse-local`, a local path inside the cluster's volumes directory (anything else is not the
 * harness's to delete).
 */
export function releasableVolumes(items: any[], volumesDir: string): ReleasableVolume[] {
    const inside = (p: unknown) => typeof p === "string" && path.resolve(p).startsWith(path.resolve(volumesDir) + path.sep);
    return items
        .filter((pv) => pv?.status?.phase === "Released" && pv?.spec?.storageClassName === LOCAL_STORAGE_CLASS && inside(pv?.spec?.local?.path))
        .map((pv) => ({
            name: String(pv.metadata.name),
            path: path.resolve(pv.spec.local.path),
            claim: `${pv.spec.claimRef?.namespace ?? "?"}/${pv.spec.claimRef?.name ?? "?"}`,
        }));
}

/** Wipes and frees every Released volume of the harness's; returns what it released. */
export async function releaseVolumes(ctx: HarnessContext, l: ClusterLayout): Promise<ReleasableVolume[]> {
    const volumes = releasableVolumes(await kubectlItems(ctx, l, ["pv"]), path.dirname(clusterPaths(l).volume(0)));
    for (const v of volumes) {
        for (const entry of fs.readdirSync(v.path)) fs.rmSync(path.join(v.path, entry), { recursive: true, force: true });
        await kubectl(ctx, l, ["patch", "pv", v.name, "--type", "json", "-p", '[{"op":"remove","path":"/spec/claimRef"}]'], 30_000);
        ctx.log(`${v.name}: the data of ${v.claim} deleted; Available again`);
    }
    return volumes;
}

if (require.main === module) {
    const { createContext } = require("../lib/context");
    const { layout } = require("./index");
    const [command] = process.argv.slice(2);
    if (command !== "release") {
        console.error("usage: volumes.ts release   (deletes the data of every Released local volume and makes it Available)");
        process.exit(2);
    }
    const ctx = createContext({ log: (m: string) => console.log(`[volumes] ${m}`) });
    releaseVolumes(ctx, layout(ctx)).then(
        (done) => console.log(done.length ? `released: ${done.map((v) => v.name).join(", ")}` : "no Released volume"),
        (e) => {
            console.error(e instanceof Error ? e.message : e);
            process.exit(1);
        },
    );
}
