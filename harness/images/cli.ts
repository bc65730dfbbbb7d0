/**
 * The project's images (components/images/<name>/), built from what the harness installs.
 *
 *   npm run images -- build [name...]   build os, jre and the named images (default: all); present tags are skipped
 *   npm run images -- list              name, ref, present?, size of every image
 *   npm run images -- push <registry> [name...]   tag the built images for the registry a stack names
 *                                       (`lakehouse:images.registry`) and push them (default: all)
 *
 * Progress goes to stderr; docker's output goes to <cache>/images/logs/<name>.log.
 */
import * as path from "path";
import { IMAGE_NAMES, ImageName, projectImageRef } from "../../components/images";
import { createContext } from "../lib/context";
import { imageSize } from "./docker";
import { buildImages } from "./build";
import { formatBytes } from "./plan";
import { findStaging } from "./registry";
import { pushImages } from "./push";

function usage(): string {
    return [
        "usage: npm run images -- <command>",
        "  build [name...]   build the images (default: all) and their bases",
        "  list              every image: name, ref, present?, size",
        "  push <registry> [name...]   tag the built images as <registry>/<name>:<tag> and push them (lakehouse:images.registry)",
        `images: ${IMAGE_NAMES.join(", ")}`,
    ].join("\n");
}

function pad(s: string, n: number): string {
    return s.length >= n ? s + " " : s + " ".repeat(n - s.length);
}

function list(): void {
    const rows = IMAGE_NAMES.map((name: ImageName) => {
        let ref: string;
        try {
            ref = projectImageRef(name);
        } catch (err) {
            return [name, `(no ref: ${(err as Error).message})`, "-", "-"];
        }
        const size = imageSize(ref);
        const staging = findStaging(name) ? "" : " (no staging module yet)";
        return [name, ref + staging, size !== undefined ? "yes" : "no", size !== undefined ? formatBytes(size) : "-"];
    });
    const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i].length), 8) + 1);
    console.log(pad("NAME", widths[0]) + pad("REF", widths[1]) + pad("PRESENT", widths[2]) + "SIZE");
    for (const r of rows) console.log(pad(r[0], widths[0]) + pad(r[1], widths[1]) + pad(r[2], widths[2]) + r[3]);
}

async function main(argv: string[]): Promise<number> {
    const [command, ...rest] = argv;
    if (command === "list") {
        list();
        return 0;
    }
    if (command === "build") {
        const ctx = createContext({ log: (m) => process.stderr.write(`[images ${new Date().toISOString().slice(11, 19)}] ${m}\n`) });
        const results = await buildImages(ctx, rest);
        console.log(pad("NAME", 16) + pad("OUTCOME", 9) + pad("SECONDS", 9) + pad("SIZE", 10) + "REF");
        for (const r of results) {
            console.log(
                pad(r.name, 16) +
                    pad(r.outcome, 9) +
                    pad(r.seconds.toFixed(1), 9) +
                    pad(r.sizeBytes !== undefined ? formatBytes(r.sizeBytes) : "-", 10) +
                    r.ref,
            );
        }
        return 0;
    }
    if (command === "push") {
        const [registry, ...names] = rest;
        if (!registry) {
            console.error("push needs the registry: npm run images -- push <registry> [name...]");
            return 2;
        }
        const ctx = createContext({ log: (m) => process.stderr.write(`[images ${new Date().toISOString().slice(11, 19)}] ${m}\n`) });
        for (const ref of await pushImages(ctx, registry, names)) console.log(ref);
        return 0;
    }
    console.error(usage());
    return command === undefined || command === "help" || command === "--help" ? 0 : 2;
}

if (require.main === module) {
    main(process.argv.slice(2)).then(
        (code) => process.exit(code),
        (err) => {
            console.error(`images: ${(err as Error).message}`);
            console.error(`(logs under ${path.join(createContext().cacheDir, "images", "logs")})`);
            process.exit(1);
        },
    );
}
