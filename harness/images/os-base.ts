/**
 * The `os` base every image starts from: Debian bookworm. `$LAKEHOUSE_IMAGE_BASE` when set; else
 * `debian:bookworm-slim` when the engine has it or can pull it within a short bound; else a minimal
 * bookworm made with debootstrap into the cache and imported as `lakehouse/os:bookworm-<hash>`
 * (the hash covers the debootstrap parameters, so the tag changes exactly when they do).
 */
import * as fs from "fs";
import * as path from "path";
import { HarnessContext } from "../lib/types";
import { fingerprint } from "../lib/install";
import { imageExists, runLogged } from "./docker";

export const PULLED_BASE = "debian:bookworm-slim";
export const PULL_TIMEOUT_MS = 30_000;

/** What debootstrap makes; hashed into the tag. */
export const DEBOOTSTRAP_SPEC = {
    suite: "bookworm",
    variant: "minbase",
    mirror: "http://deb.debian.org/debian",
    layout: 1,
} as const;

/** `lakehouse/os:bookworm-<hash12>` of a debootstrap spec. */
export function debootstrapRef(spec: typeof DEBOOTSTRAP_SPEC = DEBOOTSTRAP_SPEC): string {
    return `lakehouse/os:${spec.suite}-${fingerprint(spec).slice(0, 12)}`;
}

/** The `docker import` changes that make an imported root filesystem behave like Debian's image. */
export const IMPORT_CHANGES = ["ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "ENV LANG=C.UTF-8", 'CMD ["bash"]'];

function osLog(ctx: HarnessContext): string {
    return path.join(ctx.cacheDir, "images", "logs", "os.log");
}

/** Ref of the os base, building it when needed. */
export async function ensureOsBase(ctx: HarnessContext): Promise<string> {
    const override = process.env.LAKEHOUSE_IMAGE_BASE;
    if (override) {
        if (!imageExists(override)) {
            ctx.log(`os: pulling ${override} ($LAKEHOUSE_IMAGE_BASE)`);
            await runLogged("docker", ["pull", override], { logFile: osLog(ctx), timeoutMs: 10 * 60_000 });
        }
        return override;
    }
    if (imageExists(PULLED_BASE)) return PULLED_BASE;
    const own = debootstrapRef();
    if (imageExists(own)) return own;
    ctx.log(`os: trying to pull ${PULLED_BASE} (up to ${PULL_TIMEOUT_MS / 1000} s)`);
    try {
        await runLogged("docker", ["pull", PULLED_BASE], { logFile: osLog(ctx), timeoutMs: PULL_TIMEOUT_MS });
        return PULLED_BASE;
    } catch {
        ctx.log(`os: ${PULLED_BASE} cannot be pulled here; making ${own} with debootstrap (log: ${osLog(ctx)})`);
    }
    const debootstrap = ["/usr/sbin/debootstrap", "/usr/bin/debootstrap"].find((p) => fs.existsSync(p));
    if (!debootstrap)
        throw new Error(`no ${PULLED_BASE} and no debootstrap: apt-get install -y debootstrap, or set LAKEHOUSE_IMAGE_BASE to a Debian bookworm image`);
    const rootfs = path.join(ctx.cacheDir, "images", "os", `rootfs-${own.slice(own.indexOf(":") + 1)}`);
    const scratch = `${rootfs}.partial-${process.pid}`;
    fs.rmSync(scratch, { recursive: true, force: true });
    fs.mkdirSync(path.dirname(rootfs), { recursive: true });
    const started = Date.now();
    if (fs.existsSync(path.join(rootfs, "etc", "debian_version"))) ctx.log(`os: reusing ${rootfs}`);
    else
        try {
            await runLogged(debootstrap, [`--variant=${DEBOOTSTRAP_SPEC.variant}`, DEBOOTSTRAP_SPEC.suite, scratch, DEBOOTSTRAP_SPEC.mirror], {
                logFile: osLog(ctx),
                timeoutMs: 20 * 60_000,
                env: process.env,
            });
            // apt lists and caches are not part of a base image.
            for (const d of ["var/lib/apt/lists", "var/cache/apt/archives"]) {
                for (const f of fs.readdirSync(path.join(scratch, d))) {
                    if (f !== "partial" && f !== "lock") fs.rmSync(path.join(scratch, d, f), { recursive: true, force: true });
                }
            }
            fs.rmSync(rootfs, { recursive: true, force: true });
            fs.renameSync(scratch, rootfs);
        } catch (err) {
            fs.rmSync(scratch, { recursive: true, force: true });
            throw err;
        }
    ctx.log(`os: root filesystem ready after ${((Date.now() - started) / 1000).toFixed(0)} s; importing as ${own}`);
    await runLogged("docker", ["import", ...IMPORT_CHANGES.flatMap((c) => ["--change", c]), "-", own], {
        logFile: osLog(ctx),
        timeoutMs: 10 * 60_000,
        stdinFrom: { command: "tar", args: ["-C", rootfs, "--numeric-owner", "-c", "."] },
    });
    return own;
}
