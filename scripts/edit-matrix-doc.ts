/**
 * Writes the generated parts of docs/edit-matrix.md from the rows in tests/support/edit-matrix.ts:
 *
 *   npx ts-node --transpile-only scripts/edit-matrix-doc.ts                       # the table of rows
 *   npx ts-node --transpile-only scripts/edit-matrix-doc.ts --results <file>      # and a run's results
 *   npx ts-node --transpile-only scripts/edit-matrix-doc.ts --check                # exit 1 if the table is stale
 *
 * `<file>` is the JSON tests/integration/edit-matrix.test.ts writes ($EDIT_MATRIX_RESULTS, default
 * <tmp>/edit-matrix-results.json). Only the parts between the markers are rewritten; the prose around
 * them is kept. The test fails when the table in the document differs from the rows.
 */
import * as fs from "fs";
import * as path from "path";
import { between, MatrixResults, renderMatrixTable, renderResults, RESULTS_BEGIN, RESULTS_END, TABLE_BEGIN, TABLE_END } from "../tests/support/edit-matrix";

const DOC = path.resolve(__dirname, "..", "docs", "edit-matrix.md");

function replaceBetween(doc: string, begin: string, end: string, body: string): string {
    const a = doc.indexOf(begin);
    const b = doc.indexOf(end);
    if (a < 0 || b < a) throw new Error(`${DOC}: markers ${begin} ... ${end} not found`);
    return `${doc.slice(0, a + begin.length)}\n${body}${doc.slice(b)}`;
}

function main(argv: string[]): number {
    const check = argv.includes("--check");
    const i = argv.indexOf("--results");
    const resultsFile = i >= 0 ? argv[i + 1] : undefined;
    if (i >= 0 && !resultsFile) throw new Error("--results needs a file");
    const doc = fs.readFileSync(DOC, "utf8");
    const table = renderMatrixTable();
    if (check) {
        const ok = between(doc, TABLE_BEGIN, TABLE_END) === table;
        process.stdout.write(ok ? `${DOC}: the table matches the rows\n` : `${DOC}: the table is stale: run scripts/edit-matrix-doc.ts\n`);
        return ok ? 0 : 1;
    }
    let out = replaceBetween(doc, TABLE_BEGIN, TABLE_END, table);
    if (resultsFile) {
        const results = JSON.parse(fs.readFileSync(resultsFile, "utf8")) as MatrixResults;
        out = replaceBetween(out, RESULTS_BEGIN, RESULTS_END, renderResults(results));
    }
    fs.writeFileSync(DOC, out);
    process.stdout.write(`wrote ${DOC}\n`);
    return 0;
}

if (require.main === module) {
    try {
        process.exit(main(process.argv.slice(2)));
    } catch (e) {
        process.stderr.write(`${(e as Error).message}\n`);
        process.exit(2);
    }
}
