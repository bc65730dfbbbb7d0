/**
 * The jobs' Iceberg catalog on the secured Nessie (`nessie-tls`, issue 19): jobs/catalog.sql rendered as
 * the program renders it for a stack with `lakehouse:nessieToken` (the two `authentication.*` options,
 * the token a `{{secret.nessieToken}}` placeholder filled only in what is sent) opens the catalog in the
 * harness's Flink SQL Gateway over HTTPS (the cluster's JVMs trust the harness's CA, as an operator's
 * Flink trusts the company CA), and a table written through it reads back. A token Nessie did not
 * issue fails with Nessie's own refusal.
 */
import * as crypto from "crypto";
import * as path from "path";
import { gatewayQuery, withSession } from "../../../components/dynamic/flink/gateway";
import { fillSecrets } from "../../../components/dynamic/flink/sql";
import { JobTemplateValues, readJobTemplates, renderTableJob } from "../../../components/jobs";
import { BUILTIN_TABLES, parseCapturedTables } from "../../../components/tables";
import { nessieCatalogAuthOptions } from "../../../components/secured-clients";
import { endpoints, ensureUp } from "../../../harness/cli";
import { createContext } from "../../../harness/lib/context";
import { nessieTlsAccess } from "../../../harness/nessie";
import { JobFixture, jobFixture } from "../../support/job-fixture";
import { harnessJobValues } from "../../support/harness-job-values";

jest.setTimeout(600_000);

const ctx = createContext();
const RUN = crypto.randomBytes(4).toString("hex");
const BUCKET = `nessie-tls-it-${RUN}`;
const NAMESPACE = `nessie_tls_it_${RUN}`;
const TOPIC = `nessie-tls-it-${RUN}.public.demographics`;
const REPO = path.resolve(__dirname, "../../..");
const ep = () => endpoints({ ctx, onDemand: true });

let fixture: JobFixture;
let token: string;

const values = (): JobTemplateValues =>
    harnessJobValues({
        namespace: NAMESPACE,
        table: "demographics",
        warehouse: `s3://${BUCKET}/warehouse`,
        topic: TOPIC,
        consumerGroup: RUN,
        nessieUri: ep()["nessie-tls"].apiV2,
    });

/** The catalog statement as the Flink job resource sends it: rendered with the Nessie login, secrets filled. */
function catalogStatement(nessieToken: string): string {
    const parsed = parseCapturedTables({ demographics: { mode: "upsert", primaryKey: ["id"], columns: BUILTIN_TABLES.demographics.columns } }, []);
    const [catalog] = renderTableJob(readJobTemplates(REPO), values(), parsed.tables.demographics, "", nessieCatalogAuthOptions(true));
    expect(catalog).toContain("'authentication.token' = '{{secret.nessieToken}}'");
    return fillSecrets(catalog, { s3SecretAccessKey: ep().minio.secretAccessKey, nessieToken });
}

/** Statements in one batch session (DML waits for its job), after the catalog. */
async function inSession(nessieToken: string, statements: string[]): Promise<unknown[][]> {
    const gateway = ep()["flink-jobmanager"].gatewayUrl;
    return withSession(gateway, { properties: { "execution.runtime-mode": "batch", "table.dml-sync": "true" } }, async (session) => {
        await gatewayQuery(gateway, session, catalogStatement(nessieToken), 180_000, { secrets: [nessieToken] });
        let rows: unknown[][] = [];
        for (const s of statements) rows = await gatewayQuery(gateway, session, s, 300_000, { secrets: [nessieToken] });
        return rows;
    });
}

beforeAll(async () => {
    await ensureUp(["nessie-tls"], { ctx });
    token = nessieTlsAccess(ctx).token;
    fixture = await jobFixture(BUCKET, TOPIC, RUN);
});

afterAll(async () => {
    await fixture?.tearDown(async () => {
        await inSession(token, [`DROP TABLE IF EXISTS lake.${NAMESPACE}.t`, `DROP DATABASE IF EXISTS lake.${NAMESPACE}`]);
    });
});

test("a table written through the catalog over HTTPS with the bearer token reads back", async () => {
    const rows = await inSession(token, [
        `CREATE DATABASE IF NOT EXISTS lake.${NAMESPACE}`,
        `CREATE TABLE lake.${NAMESPACE}.t (id INT, name STRING)`,
        `INSERT INTO lake.${NAMESPACE}.t VALUES (1, 'one'), (2, 'two')`,
        `SELECT id, name FROM lake.${NAMESPACE}.t ORDER BY id`,
    ]);
    expect(rows).toEqual([
        [1, "one"],
        [2, "two"],
    ]);
});

test("a token Nessie did not issue is refused with Nessie's own words", async () => {
    const forged = `${token.split(".").slice(0, 2).join(".")}.Zm9yZ2Vk`;
    const err = await inSession(forged, [`SHOW TABLES IN lake.${NAMESPACE}`]).then(
        () => undefined,
        (e: Error) => e,
    );
    expect(err).toBeDefined();
    expect(err!.message).toMatch(/NessieNotAuthorizedException: Unauthorized \(HTTP\/401\)/);
    expect(err!.message).not.toContain(forged);
    console.log(`forged token: ${err!.message.slice(0, 600)}`);
});
