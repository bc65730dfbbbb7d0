/**
 * Builds the Pulumi `kubernetes` resource provider plugin from Go modules, into
 * <cache>/pulumi/plugins/pulumi-resource-kubernetes, for stacks that deploy to a real cluster here
 * (the plugin's download host is not reachable).
 *
 * The provider module (`github.com/pulumi/pulumi-kubernetes/provider/v4`) is served by the Go module
 * proxy only at a pseudo-version of one commit (harness/versions.json `kubernetesPlugin`: that commit is
 * the v4.25.0 tag); its go.mod says `replace .../sdk/v4 => ../sdk`, so it is built in the upstream
 * layout (`<src>/provider`, `<src>/sdk`) like the CLI. Its main package embeds `schema-embed.json` and
 * `terraform-mapping-embed.json`, which upstream generates before building and which the module zip
 * lacks: they are written here the same way (the schema with its `version` set, the mapping re-encoded).
 *
 * The npm SDK (`@pulumi/kubernetes`) asks the CLI for the plugin at its own version; the built plugin
 * is installed under that version (`installKubernetesPlugin`). What runs is the built commit: its
 * version string says so.
 */
import * as fs from "fs";
import * as path from "path";
import { createContext } from "../lib/context";
import type { HarnessContext } from "../lib/types";
import { withBuildLock } from "../kubernetes/install";
import { notFoundMessage, pulumiEnv, resolvePulumi } from "./cli";
import { downloadModule, goEnv, goExecutable, isInstalled, placeBinary, run, tail, writableCopy, writeMarker } from "./gobuild";

/** The `kubernetesPlugin` section of harness/versions.json. */
export interface KubernetesPluginVersion {
    module: string;
    /** The pseudo-version the proxy serves. */
    version: string;
    /** The release tag at that commit (what the plugin reports as its version). */
    tag: string;
    commit: string;
    sdkModule: string;
    /** The sdk/v4 release the provider's `replace ../sdk` is satisfied with. */
    sdkVersion: string;
}

export const KUBERNETES_PLUGIN_BINARY = "pulumi-resource-kubernetes";

export function kubernetesPluginVersion(ctx: Pick<HarnessContext, "versions">): KubernetesPluginVersion {
    const v = ctx.versions?.kubernetesPlugin;
    for (const key of ["module", "version", "tag", "commit", "sdkModule", "sdkVersion"]) {
        if (!v?.[key]) throw new Error(`harness/versions.json: kubernetesPlugin.${key} is missing`);
    }
    return { module: v.module, version: v.version, tag: v.tag, commit: v.commit, sdkModule: v.sdkModule, sdkVersion: v.sdkVersion };
}

export function kubernetesPluginBinary(cacheDir: string): string {
    return path.join(cacheDir, "pulumi", "plugins", KUBERNETES_PLUGIN_BINARY);
}

/** The embedded schema upstream's generator writes: the schema with its top-level `version`, compact. */
export function versionedSchema(schemaJson: string, version: string): string {
    return JSON.stringify({ ...JSON.parse(schemaJson), version });
}

/** `-X` of the provider's version variable (upstream's Makefile sets the same). */
export function pluginLdflags(version: string): string {
    return `-s -w -X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=${version}`;
}

/** Idempotent build of the plugin; returns its path. */
export function buildKubernetesPlugin(ctx: Pick<HarnessContext, "cacheDir" | "versions" | "log">): Promise<string> {
    return withBuildLock(ctx, "the build of the kubernetes provider plugin by another process", () => buildPlugin(ctx));
}

async function buildPlugin(ctx: Pick<HarnessContext, "cacheDir" | "versions" | "log">): Promise<string> {
    const v = kubernetesPluginVersion(ctx);
    const work = path.join(ctx.cacheDir, "pulumi", "kubernetes-plugin");
    const dest = kubernetesPluginBinary(ctx.cacheDir);
    const marker = path.join(work, "installed.json");
    if (isInstalled(marker, { ...v }, [dest])) return dest;
    fs.mkdirSync(work, { recursive: true });
    const logFile = path.join(work, "build.log");
    fs.writeFileSync(logFile, `building ${v.module}@${v.version} (${v.tag}, commit ${v.commit}) at ${new Date().toISOString()}\n`);
    ctx.log(`building the kubernetes provider plugin ${v.tag} (commit ${v.commit.slice(0, 12)}) from Go modules; log: ${logFile}`);
    const started = Date.now();
    const src = path.join(work, "src");
    const [providerDir, sdkDir] = await Promise.all([downloadModule(v.module, v.version, logFile), downloadModule(v.sdkModule, `v${v.sdkVersion}`, logFile)]);
    writableCopy(providerDir, path.join(src, "provider"));
    writableCopy(sdkDir, path.join(src, "sdk"));
    const cmd = path.join(src, "provider", "cmd", KUBERNETES_PLUGIN_BINARY);
    const version = v.tag.replace(/^v/, "");
    fs.writeFileSync(path.join(cmd, "schema-embed.json"), versionedSchema(fs.readFileSync(path.join(cmd, "schema.json"), "utf8"), version));
    fs.writeFileSync(
        path.join(cmd, "terraform-mapping-embed.json"),
        JSON.stringify(JSON.parse(fs.readFileSync(path.join(cmd, "terraform-mapping.json"), "utf8"))),
    );
    const out = path.join(work, `${KUBERNETES_PLUGIN_BINARY}.new`);
    // -mod=mod: the provider's go.sum lacks entries for the relatively-replaced sdk's own requirements.
    const r = await run(
        goExecutable(),
        ["build", "-mod=mod", "-trimpath", "-ldflags", pluginLdflags(version), "-o", out, `./cmd/${KUBERNETES_PLUGIN_BINARY}`],
        {
            cwd: path.join(src, "provider"),
            env: goEnv(),
            logFile,
        },
    );
    if (r.code !== 0 || !fs.existsSync(out))
        throw new Error(`building the kubernetes provider plugin failed (exit ${r.code}); tail of ${logFile}:\n${tail(logFile)}`);
    placeBinary(out, dest);
    fs.rmSync(src, { recursive: true, force: true });
    writeMarker(marker, { ...v, seconds: Math.round((Date.now() - started) / 1000), bytes: fs.statSync(dest).size });
    ctx.log(`kubernetes provider plugin built in ${Math.round((Date.now() - started) / 1000)} s: ${dest}`);
    return dest;
}

/** The plugin version the installed npm SDK asks the CLI for (`pulumi.version` of @pulumi/kubernetes's package.json). */
export function sdkPluginVersion(repoDir: string): string {
    const pkg = JSON.parse(fs.readFileSync(path.join(repoDir, "node_modules", "@pulumi", "kubernetes", "package.json"), "utf8"));
    const version = pkg.pulumi?.version ?? pkg.version;
    if (!version) throw new Error("node_modules/@pulumi/kubernetes/package.json names no plugin version (run npm ci)");
    return String(version).replace(/^v/, "");
}

/**
 * Installs the built plugin into the CLI's plugin cache (`$PULUMI_HOME/plugins`) under the version the
 * SDK asks for, with the CLI's own `plugin install --file`. Idempotent (the CLI replaces it).
 */
export async function installKubernetesPlugin(pulumi: string, plugin: string, version: string, env: NodeJS.ProcessEnv): Promise<void> {
    const r = await run(pulumi, ["plugin", "install", "resource", "kubernetes", `v${version}`, "--file", plugin, "--reinstall"], { env, timeoutMs: 120_000 });
    if (r.code !== 0)
        throw new Error(`pulumi plugin install resource kubernetes v${version} --file ${plugin} failed (exit ${r.code}): ${(r.stderr || r.stdout).trim()}`);
}

/**
 * Builds the plugin (when not built yet) and installs it for the harness's Pulumi CLI under the version
 * the SDK asks for, so that `npm run pulumi -- up -s k8s` finds it. Without a CLI it says how to get one.
 */
export async function buildAndInstallKubernetesPlugin(ctx: HarnessContext): Promise<string> {
    const plugin = await buildKubernetesPlugin(ctx);
    const pulumi = resolvePulumi({ cacheDir: ctx.cacheDir, env: process.env });
    if (!pulumi) {
        ctx.log(`built, not installed: ${notFoundMessage()}; then run this again`);
        return plugin;
    }
    const version = sdkPluginVersion(ctx.repoDir);
    await installKubernetesPlugin(pulumi, plugin, version, pulumiEnv({ env: process.env, pulumiPath: pulumi }));
    ctx.log(
        `installed for ${pulumi} as resource plugin kubernetes v${version} (what @pulumi/kubernetes asks for; the plugin itself reports ${kubernetesPluginVersion(ctx).tag}, so the CLI warns that they differ)`,
    );
    return plugin;
}

if (require.main === module) {
    buildAndInstallKubernetesPlugin(
        createContext({ log: (m: string) => console.log(`[kubernetes-plugin ${new Date().toISOString().slice(11, 19)}] ${m}`) }),
    ).then(
        (p) => console.log(p),
        (e) => {
            console.error(e instanceof Error ? e.message : e);
            process.exit(1);
        },
    );
}
