// Jest's own order (files that failed last time first, then the slowest first by its timing cache, else
// the largest first), rearranged for the two workers of jest.config.js:
// - the unit files right after the first integration file: the integration files take turns (they share
//   the harness's services; tests/support/integration-environment.ts holds a lock for each), so while the
//   first (the slowest) runs on one worker, the unit files run on the other, and then that worker waits
//   for its next integration file;
// - the Kubernetes cluster tests (tests/integration/kubernetes) at the end. They need the cluster's
//   programs and the kubernetes provider plugin, which take about 16 min to build on a cold 2-core
//   machine: `.ci/run` builds them in the background (niced) while the other tests run, and these tests
//   wait for it through its lock (on a saturated cold machine about 6 min, measured 2026-12-01).
const path = require("path");
const Sequencer = require("@jest/test-sequencer").default;

const CLUSTER_TESTS = `${path.sep}tests${path.sep}integration${path.sep}kubernetes${path.sep}`;
const INTEGRATION_TESTS = `${path.sep}tests${path.sep}integration${path.sep}`;

/** `tests` with the cluster tests moved to the end, each group in the order it had. */
function clusterTestsLast(tests) {
    const last = (t) => t.path.includes(CLUSTER_TESTS);
    return [...tests.filter((t) => !last(t)), ...tests.filter(last)];
}

/** `tests` with the unit files moved right after the first integration file (the rest in the order they had). */
function unitTestsBesideFirstIntegration(tests) {
    const integration = (t) => t.path.includes(INTEGRATION_TESTS);
    const first = tests.findIndex(integration);
    if (first < 0) return tests;
    const unit = tests.filter((t) => !integration(t));
    const rest = tests.filter((t, i) => integration(t) && i !== first);
    return [tests[first], ...unit, ...rest];
}

/** The order the two workers take the files in. */
function order(tests) {
    return clusterTestsLast(unitTestsBesideFirstIntegration(clusterTestsLast(tests)));
}

class LakehouseSequencer extends Sequencer {
    sort(tests) {
        const sorted = super.sort(tests);
        return Array.isArray(sorted) ? order(sorted) : sorted.then(order);
    }
}

module.exports = LakehouseSequencer;
module.exports.clusterTestsLast = clusterTestsLast;
module.exports.unitTestsBesideFirstIntegration = unitTestsBesideFirstIntegration;
module.exports.order = order;
