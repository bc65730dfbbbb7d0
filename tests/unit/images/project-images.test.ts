/**
 * The project's image references (components/images.ts) and the preview's check that the local
 * ones are on the engine (components/image-check.ts): pure parts.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { dockerEngineAddress, imageNameOf, localImages, missingImagesMessage } from "../../../components/image-check";
import { IMAGE_NAMES, IMAGES_DIR, REPO_ROOT, imageDefinition, imageTag, projectImageRef } from "../../../components/images";
import { parseConfigValues } from "../../support/lakehouse-config";

/** A copy of the repository's image definitions and version table, to change one input at a time. */
function repoCopy(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "images-test-"));
    fs.cpSync(path.join(REPO_ROOT, IMAGES_DIR), path.join(dir, IMAGES_DIR), { recursive: true });
    fs.cpSync(path.join(REPO_ROOT, "harness"), path.join(dir, "harness"), { recursive: true });
    return dir;
}

describe("project image references", () => {
    it("every image has a definition on a known base, and a tag of its readable version and a 12-digit hash", () => {
        for (const name of IMAGE_NAMES) {
            const def = imageDefinition(name);
            expect(["os", "jre"]).toContain(def.base);
            expect(projectImageRef(name)).toMatch(new RegExp(`^lakehouse/${name}:([0-9A-Za-z._-]+-)?[0-9a-f]{12}$`));
        }
        expect(imageTag("kafka")).toMatch(/^3\.9\.1-[0-9a-f]{12}$/);
        expect(projectImageRef("kafka", "registry.example.com/data/")).toBe(`registry.example.com/data/kafka:${imageTag("kafka")}`);
    });

    it("changes the tag exactly when an input changes: the image's files, its base's files, its pinned versions", () => {
        const repo = repoCopy();
        try {
            const before = Object.fromEntries(IMAGE_NAMES.map((n) => [n, imageTag(n, repo)]));
            expect(before).toEqual(Object.fromEntries(IMAGE_NAMES.map((n) => [n, imageTag(n)])));
            // A file of the JVM base: every image on it changes, the others do not.
            fs.appendFileSync(path.join(repo, IMAGES_DIR, "jre", "Dockerfile"), "\n# changed\n");
            const afterJre = Object.fromEntries(IMAGE_NAMES.map((n) => [n, imageTag(n, repo)]));
            for (const name of IMAGE_NAMES) {
                const onJre = name === "jre" || imageDefinition(name, repo).base === "jre";
                expect([name, afterJre[name] !== before[name]]).toEqual([name, onJre]);
            }
            // A pinned version: only the images pinned by that section change.
            const versions = JSON.parse(fs.readFileSync(path.join(repo, "harness/versions.json"), "utf8"));
            versions.kafka.heap = "1g";
            fs.writeFileSync(path.join(repo, "harness/versions.json"), JSON.stringify(versions));
            for (const name of IMAGE_NAMES) {
                const pinned = imageDefinition(name, repo).versions.includes("kafka");
                expect([name, imageTag(name, repo) !== afterJre[name]]).toEqual([name, pinned]);
            }
        } finally {
            fs.rmSync(repo, { recursive: true, force: true });
        }
    });

    it("changes an image's tag when a repository input its artifacts come from changes (the Flink pom, a staging module)", () => {
        const repo = repoCopy();
        try {
            const flink = imageTag("flink", repo);
            const kafka = imageTag("kafka", repo);
            fs.appendFileSync(path.join(repo, "harness/flink/pom.xml"), "\n<!-- changed -->\n");
            expect(imageTag("flink", repo)).not.toBe(flink);
            expect(imageTag("kafka", repo)).toBe(kafka);
            fs.appendFileSync(path.join(repo, "harness/images/kafka.ts"), "\n// changed\n");
            expect(imageTag("kafka", repo)).not.toBe(kafka);
        } finally {
            fs.rmSync(repo, { recursive: true, force: true });
        }
    });

    it("refuses an image.json that names no versions table section it can hash", () => {
        const repo = repoCopy();
        try {
            fs.writeFileSync(path.join(repo, IMAGES_DIR, "kafka", "image.json"), JSON.stringify({ base: "jre", versions: ["kafak"] }));
            expect(() => imageTag("kafka", repo)).toThrow(/"kafak" is not a section of harness\/versions.json/);
            fs.writeFileSync(path.join(repo, IMAGES_DIR, "kafka", "image.json"), JSON.stringify({ base: "alpine", versions: [] }));
            expect(() => imageDefinition("kafka", repo)).toThrow(/"base" must be "os" or "jre"/);
        } finally {
            fs.rmSync(repo, { recursive: true, force: true });
        }
    });
});

describe("the preview's check of local images on the engine", () => {
    it("finds the engine from DOCKER_HOST, or the default socket", () => {
        expect(dockerEngineAddress(undefined)).toEqual({ socketPath: "/var/run/docker.sock" });
        expect(dockerEngineAddress("unix:///run/user/1000/docker.sock")).toEqual({ socketPath: "/run/user/1000/docker.sock" });
        expect(dockerEngineAddress("tcp://10.0.0.5:2375")).toEqual({ host: "10.0.0.5", port: 2375 });
        expect(dockerEngineAddress("ssh://me@build-host")).toBeUndefined();
    });

    it("checks only the images a stack runs unpulled, once per reference, and names the command that builds them", () => {
        const cfg = parseConfigValues({});
        const wanted = localImages(cfg, ["postgres", "kafka", "flink", "dremio"]);
        // Dremio's own image is pulled; the project's are local.
        expect([...wanted.keys()]).toEqual([projectImageRef("postgres"), projectImageRef("kafka"), projectImageRef("flink")]);
        expect(localImages(parseConfigValues({ images: { registry: "registry.example.com/data" } }), ["postgres", "kafka"]).size).toBe(0);
        expect(imageNameOf(projectImageRef("dremio-standin", "localhost:5000/x"))).toBe("dremio-standin");
        const message = missingImagesMessage(new Map([[projectImageRef("kafka"), ["kafka"]]]));
        expect(message).toContain(`${projectImageRef("kafka")} (kafka)`);
        expect(message).toContain("npm run images -- build kafka");
        expect(message).toContain("lakehouse:images.registry");
    });
});
