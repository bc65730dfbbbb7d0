// Jest's own order (files that failed last time first, then the slowest first by its timing cache, else
// the largest first), with the Kubernetes cluster tests (tests/integration/kubernetes) moved to the end.
// They need the cluster's programs and the kubernetes provider plugin, which take about 16 min to build
// on a cold 2-core machine: `.ci/run` builds them in the background (niced) while the other tests run,
// and by the time these tests start the build is done or nearly (they wait for it through its lock).
const path = require("path");
const Sequencer = require("@jest/test-sequencer").default;

const CLUSTER_TESTS = `${path.sep}tests${path.sep}integration${path.sep}kubernetes${path.sep}`;

/** `tests` with the cluster tests moved to the end, each group in the order it had. */
function clusterTestsLast(tests) {
    const last = (t) => t.path.includes(CLUSTER_TESTS);
    return [...tests.filter((t) => !last(t)), ...tests.filter(last)];
}

class LakehouseSequencer extends Sequencer {
    sort(tests) {
        const order = super.sort(tests);
        return Array.isArray(order) ? clusterTestsLast(order) : order.then(clusterTestsLast);
    }
}

module.exports = LakehouseSequencer;
module.exports.clusterTestsLast = clusterTestsLast;
