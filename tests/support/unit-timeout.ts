// Unit tests run in-process (mocks, scripted servers, Pulumi's closure serializer), but on a loaded
// CI machine (the harness and a Docker engine beside them) one can take well over Jest's default 5 s:
// Pulumi's closure serializer did (tests/unit/providers/provider-toolkit.test.ts). A ceiling that only
// stops a test that hangs; no unit test asserts its own speed (benchmarks do that, in bench/).
jest.setTimeout(60_000);
