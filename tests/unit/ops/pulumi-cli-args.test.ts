/**
 * `npm run pulumi` with the harness's CLI: `--policy-pack policy` becomes the pack's run-pack.sh
 * (that CLI cannot start a pack from its directory), in both spellings; nothing else changes.
 */
import * as path from "path";
import { policyPackArgsForHarnessCli } from "../../../harness/pulumi/cli";

const REPO = path.resolve(__dirname, "..", "..", "..");
const SCRIPT = path.join(REPO, "policy", "run-pack.sh");

describe("policyPackArgsForHarnessCli", () => {
    it("swaps the policy pack directory for its run-pack.sh, in both spellings", () => {
        expect(policyPackArgsForHarnessCli(["preview", "-s", "local", "--policy-pack", "policy"], REPO)).toEqual([
            "preview",
            "-s",
            "local",
            "--policy-pack",
            SCRIPT,
        ]);
        expect(policyPackArgsForHarnessCli(["preview", "--policy-pack=./policy/", "--diff"], REPO)).toEqual(["preview", `--policy-pack=${SCRIPT}`, "--diff"]);
    });
    it("leaves other arguments, and a directory that is not such a pack, as they are", () => {
        expect(policyPackArgsForHarnessCli(["preview", "-s", "policy", "--diff"], REPO)).toEqual(["preview", "-s", "policy", "--diff"]);
        expect(policyPackArgsForHarnessCli(["preview", "--policy-pack", "components"], REPO)).toEqual(["preview", "--policy-pack", "components"]);
        expect(policyPackArgsForHarnessCli(["preview", "--policy-pack", SCRIPT], REPO)).toEqual(["preview", "--policy-pack", SCRIPT]);
    });
});
