#!/bin/sh
# Starts this policy pack as an analyzer plugin, for Pulumi CLIs whose Node.js language host cannot run
# policy packs itself. The test harness's CLI is one: its language host comes from sdk/v3@v3.68.0
# (harness/pulumi/README.md), whose RunPlugin answers "not supported", so
#   npm run pulumi -- preview -s <stack> --policy-pack policy
# fails with: policy pack ".../policy" failed to start: could not read plugin [policy]: not supported.
# Given this file instead (--policy-pack policy/run-pack.sh), the CLI executes it as the analyzer with the
# engine's address as $1, and it starts the pack the way the old `pulumi-analyzer-policy` script did.
# A current Pulumi CLI (e.g. in CI) runs `--policy-pack policy` directly and does not need this.
set -e
dir="$(cd "$(dirname "$0")" && pwd)"
cd "$dir"
exec node "$dir/../node_modules/@pulumi/pulumi/cmd/run-policy-pack" "$1" .
