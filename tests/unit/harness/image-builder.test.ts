/** The image builder's pure parts (harness/images/plan.ts) and its registry of staging modules. */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { IMAGE_NAMES, ImageName, imageDefinition } from "../../../components/images";
import { buildOrder, dockerBuildArgs, formatBytes, imageLabels, stagingPlan } from "../../../harness/images/plan";
import { STAGING_MODULES, findStaging, requireStaging } from "../../../harness/images/registry";
import { stageContext } from "../../../harness/images/build";
import { DEBOOTSTRAP_SPEC, debootstrapRef } from "../../../harness/images/os-base";
import { pushPlan } from "../../../harness/images/push";
import { projectImageRef } from "../../../components/images";

const ALL = ["jre", "postgres", "kafka", "connect", "minio"] as const;
const BASES: Record<string, "os" | "jre"> = { jre: "os", postgres: "os", kafka: "jre", connect: "jre", minio: "os" };
const def = (n: string) => ({ base: BASES[n] });

describe("buildOrder", () => {
    it("builds everything, bases first, when no image is named", () => {
        expect(buildOrder(undefined, ALL, def)).toEqual(["jre", "postgres", "kafka", "connect", "minio"]);
        expect(buildOrder([], ALL, def)).toEqual(["jre", "postgres", "kafka", "connect", "minio"]);
    });

    it("pulls in the jre base of a JVM image and puts it first", () => {
        expect(buildOrder(["connect"], ALL, def)).toEqual(["jre", "connect"]);
        expect(buildOrder(["minio", "kafka"], ALL, def)).toEqual(["jre", "kafka", "minio"]);
    });

    it("builds an os-based image alone, and each image once", () => {
        expect(buildOrder(["postgres"], ALL, def)).toEqual(["postgres"]);
        expect(buildOrder(["kafka", "kafka", "jre"], ALL, def)).toEqual(["jre", "kafka"]);
    });

    it("keeps jre first even when the list of all images does not", () => {
        expect(buildOrder(["kafka"], ["kafka", "jre"], def)).toEqual(["jre", "kafka"]);
    });

    it("refuses an unknown image, naming the known ones", () => {
        expect(() => buildOrder(["kafak"], ALL, def)).toThrow("unknown image(s): kafak (known: jre, postgres, kafka, connect, minio)");
    });

    it("orders the repository's real images: jre first, every image once", () => {
        const order = buildOrder(undefined, IMAGE_NAMES, (n) => imageDefinition(n as ImageName));
        expect(order.filter((n) => imageDefinition(n as ImageName).base === "jre").length).toBeGreaterThan(0);
        expect(order[0]).toBe("jre");
        expect([...order].sort()).toEqual([...IMAGE_NAMES].sort());
    });
});

describe("stagingPlan", () => {
    it("copies the image directory's files to the top and links artifacts under artifacts/", () => {
        const steps = stagingPlan(
            "kafka",
            "/repo/components/images/kafka",
            ["docker-entrypoint.sh", "Dockerfile", "bin/kafka-run-class.sh"],
            [{ from: "/cache/kafka/3.9.1/libs", to: "kafka/libs" }],
        );
        expect(steps).toEqual([
            { from: "/repo/components/images/kafka/Dockerfile", to: "Dockerfile", mode: "copy" },
            { from: "/repo/components/images/kafka/bin/kafka-run-class.sh", to: "bin/kafka-run-class.sh", mode: "copy" },
            { from: "/repo/components/images/kafka/docker-entrypoint.sh", to: "docker-entrypoint.sh", mode: "copy" },
            { from: "/cache/kafka/3.9.1/libs", to: "artifacts/kafka/libs", mode: "link" },
        ]);
    });

    it("refuses artifact paths that leave the context, relative sources and overlapping destinations", () => {
        expect(() => stagingPlan("x", "/i", ["Dockerfile"], [{ from: "/c/a", to: "../a" }])).toThrow("must be a relative path inside the build context");
        expect(() => stagingPlan("x", "/i", ["Dockerfile"], [{ from: "/c/a", to: "/abs" }])).toThrow("must be a relative path inside the build context");
        expect(() => stagingPlan("x", "/i", ["Dockerfile"], [{ from: "c/a", to: "a" }])).toThrow("must be an absolute path");
        expect(() =>
            stagingPlan(
                "x",
                "/i",
                ["Dockerfile"],
                [
                    { from: "/c/libs", to: "libs" },
                    { from: "/c/other.jar", to: "libs/other.jar" },
                ],
            ),
        ).toThrow("'artifacts/libs/other.jar' (from /c/other.jar) overlaps 'artifacts/libs' (from /c/libs)");
        expect(() => stagingPlan("x", "/i", ["artifacts/stale.jar"], [])).toThrow("collides with the staged artifacts/ directory");
    });

    it("stages a real context: files copied, artifacts hard-linked (same inode), modes kept", () => {
        const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "image-builder-"));
        try {
            const imageDir = path.join(tmp, "image");
            const cache = path.join(tmp, "cache", "libs");
            fs.mkdirSync(path.join(imageDir, "bin"), { recursive: true });
            fs.mkdirSync(cache, { recursive: true });
            fs.writeFileSync(path.join(imageDir, "Dockerfile"), "ARG BASE\nFROM ${BASE}\n");
            fs.writeFileSync(path.join(imageDir, "bin", "run.sh"), "#!/bin/sh\n", { mode: 0o755 });
            fs.writeFileSync(path.join(cache, "a.jar"), "jar-bytes");
            const context = path.join(tmp, "context");
            fs.mkdirSync(context);
            fs.writeFileSync(path.join(context, "stale"), "from a previous build");
            stageContext(context, stagingPlan("t", imageDir, ["Dockerfile", "bin/run.sh"], [{ from: cache, to: "t/libs" }]));
            expect(fs.existsSync(path.join(context, "stale"))).toBe(false);
            expect(fs.readFileSync(path.join(context, "Dockerfile"), "utf8")).toBe("ARG BASE\nFROM ${BASE}\n");
            expect(fs.statSync(path.join(context, "bin", "run.sh")).mode & 0o777).toBe(0o755);
            expect(fs.statSync(path.join(context, "artifacts", "t", "libs", "a.jar")).ino).toBe(fs.statSync(path.join(cache, "a.jar")).ino);
            expect(() => stageContext(context, [{ from: path.join(tmp, "missing"), to: "artifacts/m", mode: "link" }])).toThrow("does not exist");
        } finally {
            fs.rmSync(tmp, { recursive: true, force: true });
        }
    });
});

describe("docker build arguments", () => {
    it("builds on the host network with the base as a build arg, the labels and the tag", () => {
        expect(
            dockerBuildArgs({ name: "kafka", ref: "lakehouse/kafka:3.9.1-0123456789ab", baseRef: "lakehouse/jre:abcdefabcdef", contextDir: "/c/kafka" }),
        ).toEqual([
            "build",
            "--network",
            "host",
            "--pull=false",
            "--build-arg",
            "BASE=lakehouse/jre:abcdefabcdef",
            "--label",
            "org.opencontainers.image.title=kafka",
            "--label",
            "org.opencontainers.image.version=3.9.1-0123456789ab",
            "--label",
            "org.opencontainers.image.source=cdc-lakehouse",
            "--tag",
            "lakehouse/kafka:3.9.1-0123456789ab",
            "/c/kafka",
        ]);
    });

    it("takes the version label from the tag even with a registry port in the ref", () => {
        expect(imageLabels("minio", "registry.example.com:5000/data/minio:RELEASE.2025-09-07T16-13-09Z-0123456789ab")["org.opencontainers.image.version"]).toBe(
            "RELEASE.2025-09-07T16-13-09Z-0123456789ab",
        );
    });

    it("formats sizes", () => {
        expect(formatBytes(333 * 1024 * 1024)).toBe("333 MiB");
        expect(formatBytes(1.5 * 1024 ** 3)).toBe("1.50 GiB");
        expect(formatBytes(2048)).toBe("2 KiB");
    });
});

describe("os base", () => {
    it("tags the debootstrap base by its parameters", () => {
        expect(debootstrapRef()).toMatch(/^lakehouse\/os:bookworm-[0-9a-f]{12}$/);
        expect(debootstrapRef({ ...DEBOOTSTRAP_SPEC })).toBe(debootstrapRef());
        expect(debootstrapRef({ ...DEBOOTSTRAP_SPEC, layout: 2 } as unknown as typeof DEBOOTSTRAP_SPEC)).not.toBe(debootstrapRef());
    });
});

describe("registry of staging modules", () => {
    it("lists a staging module for every image", () => {
        expect(Object.keys(STAGING_MODULES).sort()).toEqual([...IMAGE_NAMES].sort());
    });

    it("loads the modules this change ships, each naming its image and harness installs", () => {
        expect(requireStaging("kafka").installs).toEqual(["kafka"]);
        expect(requireStaging("zookeeper").installs).toEqual(["zookeeper"]);
        expect(requireStaging("minio").installs).toEqual(["minio"]);
        expect(requireStaging("jre").installs).toEqual([]);
        expect(findStaging("postgres")!.name).toBe("postgres");
    });

    it("refuses a name it does not know", () => {
        expect(() => findStaging("mysql")).toThrow("lists no staging module for image 'mysql'");
    });
});

describe("push to the registry a stack names", () => {
    it("tags each built image under the registry with the same tag (what lakehouse:images.registry runs); the JVM base stays local", () => {
        const plan = pushPlan("registry.example.com/data", []);
        expect(plan.map((p) => p.name)).toEqual(IMAGE_NAMES.filter((n) => n !== "jre"));
        for (const p of plan) {
            expect(p.local).toBe(projectImageRef(p.name));
            expect(p.remote).toBe(projectImageRef(p.name, "registry.example.com/data"));
            expect(p.remote.split(":").pop()).toBe(p.local.split(":").pop());
        }
        expect(pushPlan("localhost:5000", ["kafka"])).toEqual([
            { name: "kafka", local: projectImageRef("kafka"), remote: projectImageRef("kafka", "localhost:5000") },
        ]);
    });

    it("refuses a registry with a scheme and an unknown image, naming them", () => {
        expect(() => pushPlan("https://registry.example.com", [])).toThrow(/without scheme or tag/);
        expect(() => pushPlan("localhost:5000", ["mysql"])).toThrow(/unknown image mysql/);
    });
});
