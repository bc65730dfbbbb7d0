/**
 * Builds the Pulumi CLI and its Node.js language host from their published Go modules.
 *
 * The CLI module (github.com/pulumi/pulumi/pkg/v3) has `replace github.com/pulumi/pulumi/sdk/v3 => ../sdk`,
 * so `go install module@version` refuses it: both modules are downloaded with `go mod download`,
 * copied into <cache>/pulumi/src-<version>/{pkg,sdk} (the upstream repository's layout, so the relative
 * replace lines resolve) and built with `go build`. The language host is built the same way: at the
 * upstream layout sdk/nodejs/cmd/pulumi-language-nodejs when its own module is used, or inside the sdk
 * module of a release that still carried it as a package. Binaries go to <cache>/bin, next to each other,
 * because the CLI looks for its bundled plugins (language hosts, the dynamic provider host) next to itself.
 *
 * Idempotent: a marker file records what was built; a second run with the same versions does nothing
 * but refresh the dynamic provider launcher.
 */
import * as fs from "fs";
import * as path from "path";
import type { HarnessContext } from "../lib/types";
import { binDir, defaultCacheDir, downloadModule, goEnv, goExecutable, isInstalled, placeBinary, run, tail, writableCopy, writeMarker } from "./gobuild";

export interface PulumiVersion {
    /** CLI version without the leading v, e.g. "3.259.0". */
    version: string;
    pkgModule: string;
    sdkModule: string;
    languageHost: {
        /**
         * Either the language host's own module (github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3,
         * untagged, so a pseudo-version of a release commit) or github.com/pulumi/pulumi/sdk/v3 of a release that
         * still contained the language host as the package `nodejs/cmd/pulumi-language-nodejs`.
         */
        module: string;
        version: string;
        /** Package directory inside `module` ("." for the language host's own module). */
        package: string;
    };
}

export const LANGUAGE_HOST_MODULE = "github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3";

/**
 * What the Go module proxy reachable here serves (checked 2026-11-23): pkg/v3 zips only up to v3.259.0
 * (v3.260.0 .. v3.274.x: "not available"); the language host's own module at no pseudo-version we could
 * name (every release commit from v3.200.0 to v3.259.0 answered "not available"); sdk/v3 v3.68.0 is the
 * newest sdk/v3 that still carries nodejs/cmd/pulumi-language-nodejs as a package. harness/versions.json
 * (`pulumi` section) overrides these.
 */
export const DEFAULT_PULUMI_VERSION: PulumiVersion = {
    version: "3.259.0",
    pkgModule: "github.com/pulumi/pulumi/pkg/v3",
    sdkModule: "github.com/pulumi/pulumi/sdk/v3",
    languageHost: {
        module: "github.com/pulumi/pulumi/sdk/v3",
        version: "v3.68.0",
        package: "nodejs/cmd/pulumi-language-nodejs",
    },
};

/** The executables the harness provides, all in <cache>/bin. */
export const PULUMI_BINARIES = ["pulumi", "pulumi-language-nodejs"] as const;
/** The dynamic provider host: a launcher script shipped inside the @pulumi/pulumi npm package. */
export const DYNAMIC_PROVIDER_HOST = "pulumi-resource-pulumi-nodejs";

export function pulumiVersion(ctx: Pick<HarnessContext, "versions">): PulumiVersion {
    const v = (ctx.versions && ctx.versions.pulumi) || {};
    return {
        ...DEFAULT_PULUMI_VERSION,
        ...v,
        languageHost: { ...DEFAULT_PULUMI_VERSION.languageHost, ...(v.languageHost || {}) },
    };
}

export function harnessPulumiBinary(cacheDir: string = defaultCacheDir()): string {
    return path.join(binDir(cacheDir), "pulumi");
}

function versionLdflags(version: string): string {
    // The CLI and the language host both read this variable for `version` / plugin handshakes.
    return `-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v${version.replace(/^v/, "")}`;
}

async function goBuild(cwd: string, pkg: string, out: string, ldflags: string, logFile: string, what: string): Promise<void> {
    // -mod=mod: the copied go.sum may lack entries for the relatively-replaced module's own requirements.
    const r = await run(goExecutable(), ["build", "-mod=mod", "-trimpath", "-ldflags", ldflags, "-o", out, pkg], {
        env: goEnv(),
        logFile,
        cwd,
    });
    if (r.code !== 0) throw new Error(`pulumi: building ${what} failed (exit ${r.code}); tail of ${logFile}:\n${tail(logFile)}`);
}

/**
 * Copies the dynamic provider launcher that @pulumi/pulumi ships (it resolves
 * `@pulumi/pulumi/cmd/dynamic-provider` from the program's directory at run time) next to the CLI, so the
 * CLI finds it as a bundled plugin without a PATH warning. Returns false when the package is not installed.
 */
export function installDynamicProviderHost(repoDir: string, cacheDir: string): boolean {
    const src = path.join(repoDir, "node_modules", "@pulumi", "pulumi", DYNAMIC_PROVIDER_HOST);
    if (!fs.existsSync(src)) return false;
    const dest = path.join(binDir(cacheDir), DYNAMIC_PROVIDER_HOST);
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    const tmp = `${dest}.tmp-${process.pid}`;
    fs.copyFileSync(src, tmp);
    fs.chmodSync(tmp, 0o755);
    fs.renameSync(tmp, dest);
    return true;
}

/** Idempotent build of `pulumi` and `pulumi-language-nodejs` into <cache>/bin. */
export async function installPulumi(ctx: Pick<HarnessContext, "cacheDir" | "versions" | "log" | "repoDir">): Promise<void> {
    const v = pulumiVersion(ctx);
    const work = path.join(ctx.cacheDir, "pulumi");
    const marker = path.join(work, "installed.json");
    const bins = PULUMI_BINARIES.map((b) => path.join(binDir(ctx.cacheDir), b));
    const want = { version: v.version, pkgModule: v.pkgModule, sdkModule: v.sdkModule, languageHost: v.languageHost };
    const dyn = installDynamicProviderHost(ctx.repoDir, ctx.cacheDir);
    if (!dyn) ctx.log(`${DYNAMIC_PROVIDER_HOST} not found in node_modules/@pulumi/pulumi (run npm ci): dynamic providers will not load`);
    if (isInstalled(marker, want, bins)) {
        ctx.log(`CLI v${v.version} and language host ${v.languageHost.module}@${v.languageHost.version} already built`);
        return;
    }
    fs.mkdirSync(work, { recursive: true });
    const logFile = path.join(work, `build-${v.version}.log`);
    fs.writeFileSync(logFile, `building pulumi v${v.version} at ${new Date().toISOString()}\n`);
    ctx.log(`building CLI v${v.version} and the Node.js language host from Go modules (many minutes on 2 cores; log: ${logFile})`);
    const started = Date.now();
    const tag = `v${v.version.replace(/^v/, "")}`;

    // Upstream layout: <src>/pkg, <src>/sdk (pkg's go.mod: replace .../sdk/v3 => ../sdk).
    const src = path.join(work, `src-${tag}`);
    const [pkgDir, sdkDir] = await Promise.all([downloadModule(v.pkgModule, tag, logFile), downloadModule(v.sdkModule, tag, logFile)]);
    writableCopy(pkgDir, path.join(src, "pkg"));
    writableCopy(sdkDir, path.join(src, "sdk"));

    // Language host: its own module goes where it lives upstream (its replace lines point at ../../../../pkg
    // and ../../..); an sdk/v3 release that carries it is built in its own copy unless it is the same sdk.
    const lh = v.languageHost;
    let lhCwd: string;
    let lhPkg: string;
    const cleanup = [src];
    if (lh.module === LANGUAGE_HOST_MODULE) {
        const lhDir = await downloadModule(lh.module, lh.version, logFile);
        lhCwd = path.join(src, "sdk", "nodejs", "cmd", "pulumi-language-nodejs");
        writableCopy(lhDir, lhCwd);
        lhPkg = !lh.package || lh.package === "." ? "." : `./${lh.package}`;
    } else if (lh.module === v.sdkModule && lh.version === tag) {
        lhCwd = path.join(src, "sdk");
        lhPkg = `./${lh.package}`;
    } else {
        const lhDir = await downloadModule(lh.module, lh.version, logFile);
        lhCwd = path.join(work, `src-language-host-${lh.version}`, "sdk");
        writableCopy(lhDir, lhCwd);
        cleanup.push(path.dirname(lhCwd));
        lhPkg = `./${lh.package}`;
    }

    const tmp = path.join(work, "build-out");
    fs.rmSync(tmp, { recursive: true, force: true });
    fs.mkdirSync(tmp, { recursive: true });
    ctx.log(`go build ./cmd/pulumi (pkg ${tag})`);
    await goBuild(path.join(src, "pkg"), "./cmd/pulumi", path.join(tmp, "pulumi"), versionLdflags(tag), logFile, "the CLI");
    ctx.log(`go build ${lh.module}/${lh.package}@${lh.version}`);
    await goBuild(
        lhCwd,
        lhPkg,
        path.join(tmp, "pulumi-language-nodejs"),
        versionLdflags(lh.version.startsWith("v3.0.0-") ? tag : lh.version),
        logFile,
        "the Node.js language host",
    );
    for (const b of PULUMI_BINARIES) placeBinary(path.join(tmp, b), path.join(binDir(ctx.cacheDir), b));
    fs.rmSync(tmp, { recursive: true, force: true });

    const ver = await run(bins[0], ["version"], { logFile, env: { ...process.env, PULUMI_SKIP_UPDATE_CHECK: "true" } });
    if (ver.code !== 0) throw new Error(`pulumi: built CLI does not run; tail of ${logFile}:\n${tail(logFile)}`);
    const seconds = Math.round((Date.now() - started) / 1000);
    writeMarker(marker, { ...want, builtAt: new Date().toISOString(), buildSeconds: seconds, binaries: bins });
    // The sources are only needed for the build; they are large (~200 MB).
    for (const dir of cleanup) fs.rmSync(dir, { recursive: true, force: true });
    ctx.log(`built ${ver.stdout.trim()} in ${seconds}s`);
}

/** The framework's `install` hook for the Pulumi CLI (it is a tool, not a running service). */
export async function install(ctx: HarnessContext): Promise<void> {
    await installPulumi(ctx);
}

if (require.main === module) {
    const repoDir = path.resolve(__dirname, "..", "..");
    let versions: Record<string, any> = {};
    try {
        versions = JSON.parse(fs.readFileSync(path.join(repoDir, "harness", "versions.json"), "utf8"));
    } catch {
        // defaults
    }
    installPulumi({ cacheDir: defaultCacheDir(), versions, repoDir, log: (m) => console.log(`pulumi: ${m}`) }).catch((e) => {
        console.error(e instanceof Error ? e.message : e);
        process.exit(1);
    });
}
