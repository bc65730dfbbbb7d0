/**
 * The Dremio resources' pure parts: input checks, diffs over normalised settings, the projection
 * that keeps Dremio's own defaults and redacted secrets out of drift, and the source settings the
 * stack builds. The lifecycle against a server is in tests/integration/dremio/dremio.test.ts.
 */
import { parseLakehouseConfig } from "../../../components/config";
import {
    DREMIO_REDACTED,
    checkDremioAdminInputs,
    checkDremioSourceInputs,
    diffDremioAdmin,
    diffDremioSource,
    normalizeSourceConfig,
    projectSourceConfig,
    sourceBody,
} from "../../../components/dynamic/dremio";
import { redact } from "../../../components/dynamic/toolkit/redact";
import { dremioNessieSourceConfig, dremioTablePaths } from "../../../components/pipeline";
import { DOCKER_NESSIE_SOURCE_SETTINGS } from "../../support/dremio";

const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

const nessieConfig = {
    ...DOCKER_NESSIE_SOURCE_SETTINGS,
    propertyList: [
        { name: "fs.s3a.path.style.access", value: "true" },
        { name: "dremio.s3.compat", value: "true" },
    ],
};

const source = (extra: Record<string, unknown> = {}) => ({
    url: "http://localhost:9047",
    userName: "admin",
    password: "s3cret-pass1",
    name: "lakehouse",
    type: "NESSIE",
    config: nessieConfig,
    secretConfig: { awsAccessSecret: "minio-secret-1" },
    version: 1,
    ...extra,
});

describe("Dremio admin inputs", () => {
    it("names each bad property, never echoing the password, and skips unknown preview values", () => {
        const failures = checkDremioAdminInputs({ url: "localhost:9047", userName: "9lives", email: "nobody", password: "short" });
        expect(failures).toEqual([
            { property: "url", reason: '"localhost:9047" must be Dremio\'s http(s) base URL, without a path' },
            { property: "userName", reason: expect.stringContaining('"9lives" is not a Dremio user name') },
            { property: "email", reason: '"nobody" is not an e-mail address' },
            { property: "password", reason: "must be at least 8 characters with at least one letter and one digit (Dremio's rule)" },
        ]);
        expect(JSON.stringify(failures)).not.toContain("short");
        expect(checkDremioAdminInputs({ url: UNKNOWN, userName: UNKNOWN, email: UNKNOWN, password: UNKNOWN })).toEqual([]);
        expect(checkDremioAdminInputs({ url: "http://d:9047", userName: "admin" })).toEqual([{ property: "password", reason: "is required" }]);
    });

    it("takes the user-name rule the stack config applies (components/config/patterns.ts): a name one accepts, the other does too", () => {
        const parse = (adminUser: string) => parseLakehouseConfig({ dremio: JSON.stringify({ adminUser }) }, new Set(), { project: "p", stack: "dev" });
        for (const name of ["admin", "_svc.dremio-1", "a".repeat(63)]) {
            expect(parse(name).dremio.adminUser).toBe(name);
            expect(checkDremioAdminInputs({ userName: name, password: "a1234567" })).toEqual([]);
        }
        for (const name of ["ops@corp", "a".repeat(64), "9lives"]) {
            expect(() => parse(name)).toThrow(/lakehouse:dremio\.adminUser/);
            expect(checkDremioAdminInputs({ userName: name, password: "a1234567" }).map((f) => f.property)).toEqual(["userName"]);
        }
    });

    it("diffs exactly the changed keys; another Dremio or user name is another admin", () => {
        const base = {
            url: "http://d:9047",
            userName: "admin",
            password: "a1234567",
            firstName: "A",
            lastName: "B",
            email: "a@b",
            waitTimeoutSeconds: 300,
            version: 1,
        };
        expect(diffDremioAdmin(base, { ...base })).toEqual({ changes: false, replaces: [], deleteBeforeReplace: false, changedKeys: [] });
        // State written before `version`/`waitTimeoutSeconds` existed compares equal to their defaults.
        const { version: _v, waitTimeoutSeconds: _w, ...old } = base;
        expect(diffDremioAdmin(old, base).changes).toBe(false);
        expect(diffDremioAdmin(base, { ...base, password: "b1234567" })).toEqual({
            changes: true,
            replaces: [],
            deleteBeforeReplace: false,
            changedKeys: ["password"],
        });
        // The old admin is kept (Dremio keeps its first admin): the new one is made without deleting it first.
        expect(diffDremioAdmin(base, { ...base, userName: "root", email: "r@b" })).toEqual({
            changes: true,
            replaces: ["userName"],
            deleteBeforeReplace: false,
            changedKeys: ["userName", "email"],
        });
    });
});

describe("Dremio source inputs", () => {
    it("accepts the stack's Nessie source and refuses what Dremio would, naming the setting", () => {
        expect(checkDremioSourceInputs(source())).toEqual([]);
        const { awsRootPath: _r, ...noRoot } = nessieConfig;
        const failures = checkDremioSourceInputs(
            source({ name: "a/b", config: { ...noRoot, nessieEndpoint: "http://nessie:19120/api/v1", nessieAuthType: "OAUTH" }, secretConfig: {} }),
        );
        expect(failures).toEqual([
            { property: "name", reason: expect.stringContaining("without '/'") },
            { property: 'config["nessieEndpoint"]', reason: expect.stringContaining("must be the Nessie API v2 URL") },
            { property: 'config["nessieAuthType"]', reason: '"OAUTH" must be NONE or BEARER' },
            { property: 'config["awsRootPath"]', reason: expect.stringContaining("is required") },
            { property: 'secretConfig["awsAccessSecret"]', reason: "is required with credentialType ACCESS_KEY" },
        ]);
        expect(checkDremioSourceInputs(source({ secretConfig: { awsAccessKey: "x", awsAccessSecret: "y" } }))).toEqual([
            { property: 'config["awsAccessKey"]', reason: "is also in secretConfig: a setting belongs in one of them" },
        ]);
        expect(checkDremioSourceInputs(source({ config: UNKNOWN, name: UNKNOWN, url: UNKNOWN }))).toEqual([]);
    });

    it("diffs settings by name only (secret values never shown), ignoring key and property order", () => {
        const olds = { ...source(), sourceId: "abc", status: "good" };
        const reordered = source({ config: { ...nessieConfig, propertyList: [...nessieConfig.propertyList].reverse() } });
        expect(diffDremioSource(olds, reordered)).toEqual({ changes: false, replaces: [], deleteBeforeReplace: false, changedKeys: [] });

        const changed = diffDremioSource(olds, source({ config: { ...nessieConfig, awsRootPath: "/lake" }, secretConfig: { awsAccessSecret: "rotated-1" } }));
        expect(changed).toEqual({
            changes: true,
            replaces: [],
            deleteBeforeReplace: false,
            changedKeys: ['config["awsRootPath"]', 'secretConfig["awsAccessSecret"]'],
        });
        expect(JSON.stringify(changed)).not.toContain("rotated-1");

        expect(diffDremioSource(olds, source({ name: "lake2" }))).toMatchObject({ replaces: ["name"], deleteBeforeReplace: true });
    });

    it("projects what Dremio returns onto the declared settings: its defaults and redacted secrets are not drift", () => {
        const server = {
            ...nessieConfig,
            propertyList: [...nessieConfig.propertyList].reverse(),
            awsAccessSecret: DREMIO_REDACTED,
            asyncEnabled: true,
            isCachingEnabled: true,
            maxCacheSpacePct: 100,
        };
        expect(projectSourceConfig(server, { ...nessieConfig, awsAccessSecret: "x" })).toEqual(normalizeSourceConfig(nessieConfig));
        // A declared setting changed out of band is drift; one removed shows as missing.
        const { awsRootPath: _r, ...edited } = { ...server, awsAccessKey: "someone-else" };
        expect(projectSourceConfig(edited, nessieConfig)).toEqual(
            normalizeSourceConfig({ ...nessieConfig, awsAccessKey: "someone-else", awsRootPath: undefined }),
        );
    });

    it("builds the catalog body with the server's keys kept and the stack's settings and secrets on top", () => {
        const existing = {
            id: "abc",
            tag: "t1",
            entityType: "source",
            name: "lakehouse",
            type: "NESSIE",
            config: { ...nessieConfig, awsRootPath: "/old", asyncEnabled: true, awsAccessSecret: DREMIO_REDACTED },
            metadataPolicy: { authTTLMs: 1 },
        };
        const body = sourceBody(source(), existing);
        expect(body).toMatchObject({ id: "abc", tag: "t1", entityType: "source", name: "lakehouse", type: "NESSIE", metadataPolicy: { authTTLMs: 1 } });
        expect(body.config).toMatchObject({ awsRootPath: "/warehouse", asyncEnabled: true, awsAccessSecret: "minio-secret-1" });
        expect(sourceBody(source())).toEqual({
            entityType: "source",
            name: "lakehouse",
            type: "NESSIE",
            config: { ...normalizeSourceConfig(nessieConfig), awsAccessSecret: "minio-secret-1" },
        });
    });

    it("redacts secrets from any message", () => {
        expect(redact('bad config {"awsAccessSecret":"minio-secret-1"} for admin/s3cret-pass1', ["minio-secret-1", "s3cret-pass1", undefined])).toBe(
            'bad config {"awsAccessSecret":"[secret]"} for admin/[secret]',
        );
    });
});

describe("the stack's Dremio source", () => {
    const cfg = parseLakehouseConfig({ dremio: JSON.stringify({ sourceName: "lake" }), iceberg: JSON.stringify({ namespace: "raw" }) }, new Set(), {
        project: "p",
        stack: "dev",
    });

    it("points at Nessie API v2 and the warehouse bucket through an S3-compatible endpoint", () => {
        expect(
            dremioNessieSourceConfig(cfg, {
                nessieUri: "http://nessie:19120/api/v2",
                s3Endpoint: "https://s3.example.com:9000",
                s3AccessKeyId: "key",
                s3Compatible: true,
            }),
        ).toMatchObject({
            nessieEndpoint: "http://nessie:19120/api/v2",
            awsRootPath: "/warehouse",
            secure: true,
            propertyList: expect.arrayContaining([{ name: "fs.s3a.endpoint", value: "s3.example.com:9000" }]),
        });
        expect(
            checkDremioSourceInputs(
                source({
                    config: dremioNessieSourceConfig(cfg, {
                        nessieUri: "http://n:19120/api/v2",
                        s3Endpoint: "http://m:9000",
                        s3AccessKeyId: "lakehouse",
                        s3Compatible: true,
                    }),
                }),
            ),
        ).toEqual([]);
    });

    it("on AWS S3 uses virtual-hosted requests, without the S3-compatibility mode", () => {
        const config = dremioNessieSourceConfig(cfg, {
            nessieUri: "http://n:19120/api/v2",
            s3Endpoint: "https://s3.eu-west-1.amazonaws.com",
            s3AccessKeyId: "AKIA1",
            s3Compatible: false,
        });
        expect(config).toMatchObject({ awsAccessKey: "AKIA1", secure: true });
        expect(config.propertyList).toEqual([
            { name: "fs.s3a.endpoint", value: "s3.eu-west-1.amazonaws.com" },
            { name: "fs.s3a.endpoint.region", value: "us-east-1" },
            { name: "fs.s3a.path.style.access", value: "false" },
        ]);
    });

    it("names each captured table by source, namespace and table", () => {
        expect(dremioTablePaths(cfg)).toEqual({ demographics: "lake.raw.demographics", demographics_changes: "lake.raw.demographics_changes" });
    });

    it("refuses a source name Dremio's SQL cannot start a path with, naming the key", () => {
        expect(() => parseLakehouseConfig({ dremio: JSON.stringify({ sourceName: "my/source" }) }, new Set(), { project: "p", stack: "dev" })).toThrow(
            /lakehouse:dremio\.sourceName: found "my\/source"/,
        );
    });
});
