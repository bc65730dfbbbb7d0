// Prints one plain closing line, "tests: N passed, N failed[, N skipped]", that CI reads whatever the
// runner. Written when the process exits, so it comes after Jest's own summary.
const fs = require("fs");

class SummaryReporter {
    onRunComplete(_contexts, results) {
        const skipped = results.numPendingTests + results.numTodoTests;
        const line = `tests: ${results.numPassedTests} passed, ${results.numFailedTests} failed${skipped ? `, ${skipped} skipped` : ""}`;
        process.once("exit", () => fs.writeSync(1, `${line}\n`));
    }
}
module.exports = SummaryReporter;
