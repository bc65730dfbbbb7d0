/**
 * Fetching artifacts with the real Maven client (`mvn`), pinned maven-dependency-plugin, into the
 * harness cache. The local Maven repository is inside the cache (cacheDir/maven-repo) so the cache
 * is self-contained. Coordinates come from harness/versions.json; the generated pom is a build
 * artefact in the cache, never in the repository, and names no repository host (Maven's default).
 */
import * as fs from "fs";
import * as path from "path";
import { HarnessContext } from "./types";
import { runCheckedAsync } from "./process";

/** groupId:artifactId:version[:type[:classifier]] */
export interface Coordinate {
    groupId: string;
    artifactId: string;
    version: string;
    type: string;
    classifier?: string;
}

export function parseCoordinate(text: string): Coordinate {
    const parts = text.split(":");
    if (parts.length < 3 || parts.length > 5 || parts.some((p) => p === "")) {
        throw new Error(`bad Maven coordinate '${text}': expected groupId:artifactId:version[:type[:classifier]]`);
    }
    return { groupId: parts[0], artifactId: parts[1], version: parts[2], type: parts[3] || "jar", classifier: parts[4] };
}

/** The file name the dependency plugin gives an artifact (without stripVersion). */
export function artifactFileName(c: Coordinate): string {
    return `${c.artifactId}-${c.version}${c.classifier ? "-" + c.classifier : ""}.${c.type}`;
}

function pluginOf(ctx: HarnessContext): string {
    return ctx.versions.mavenDependencyPlugin || "org.apache.maven.plugins:maven-dependency-plugin:3.8.1";
}

export function mavenRepoDir(ctx: HarnessContext): string {
    return process.env.LAKEHOUSE_MAVEN_REPO || path.join(ctx.cacheDir, "maven-repo");
}

function mvnArgs(ctx: HarnessContext): string[] {
    return ["-q", "-B", `-Dmaven.repo.local=${mavenRepoDir(ctx)}`];
}

function xmlEscape(s: string): string {
    return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** A minimal pom whose dependencies are `artifacts`. */
export function renderPom(name: string, artifacts: string[]): string {
    const deps = artifacts
        .map(parseCoordinate)
        .map(
            (c) =>
                `    <dependency><groupId>${xmlEscape(c.groupId)}</groupId><artifactId>${xmlEscape(c.artifactId)}</artifactId>` +
                `<version>${xmlEscape(c.version)}</version>` +
                (c.type !== "jar" ? `<type>${xmlEscape(c.type)}</type>` : "") +
                (c.classifier ? `<classifier>${xmlEscape(c.classifier)}</classifier>` : "") +
                `</dependency>`,
        )
        .join("\n");
    return `<?xml version="1.0" encoding="UTF-8"?>
<project>
  <modelVersion>4.0.0</modelVersion>
  <groupId>cdc-lakehouse.harness</groupId>
  <artifactId>${xmlEscape(name)}</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <properties><project.build.sourceEncoding>UTF-8</project.build.sourceEncoding></properties>
  <dependencies>
${deps}
  </dependencies>
</project>
`;
}

/**
 * Copies `artifacts` and their runtime dependencies (transitively) into `outDir`
 * (`maven-dependency-plugin:copy-dependencies`, runtime scope).
 */
export async function mavenCopyDependencies(
    ctx: HarnessContext,
    name: string,
    artifacts: string[],
    outDir: string,
    options: { excludeArtifactIds?: string[] } = {},
): Promise<void> {
    const pomDir = path.join(ctx.cacheDir, "poms", name);
    fs.mkdirSync(pomDir, { recursive: true });
    const pom = path.join(pomDir, "pom.xml");
    fs.writeFileSync(pom, renderPom(name, artifacts));
    fs.mkdirSync(outDir, { recursive: true });
    const args = [
        ...mvnArgs(ctx),
        "-f",
        pom,
        `${pluginOf(ctx)}:copy-dependencies`,
        `-DoutputDirectory=${outDir}`,
        "-DincludeScope=runtime",
        "-Dmdep.useRepositoryLayout=false",
        "-DoverWriteReleases=false",
    ];
    if (options.excludeArtifactIds?.length) args.push(`-DexcludeArtifactIds=${options.excludeArtifactIds.join(",")}`);
    ctx.log(`mvn copy-dependencies of ${artifacts.join(", ")}`);
    await runCheckedAsync("mvn", args, { cwd: pomDir });
}

/** Copies single artifacts (no dependencies) into `outDir`; returns the file paths. */
export async function mavenCopy(ctx: HarnessContext, artifacts: string[], outDir: string): Promise<string[]> {
    fs.mkdirSync(outDir, { recursive: true });
    const files: string[] = [];
    for (const a of artifacts) {
        const c = parseCoordinate(a);
        const artifact = [c.groupId, c.artifactId, c.version, c.type, c.classifier].filter((x) => x !== undefined).join(":");
        ctx.log(`mvn copy ${artifact}`);
        await runCheckedAsync("mvn", [...mvnArgs(ctx), `${pluginOf(ctx)}:copy`, `-Dartifact=${artifact}`, `-DoutputDirectory=${outDir}`], {
            cwd: outDir,
        });
        const file = path.join(outDir, artifactFileName(c));
        if (!fs.existsSync(file)) throw new Error(`mvn copy of ${a} did not produce ${file}`);
        files.push(file);
    }
    return files;
}
