/** Dremio fixtures shared by the tests of the Dremio resources (unit and integration) and of the stack's rendering. */

/**
 * The settings of the Nessie source the Docker stack gives Dremio: Nessie's API v2 in the services'
 * network, no Nessie auth, the `warehouse` bucket read with MinIO's `lakehouse` access key over plain
 * HTTP. The S3 `propertyList` is left to each test (it depends on the storage); the harness's tests
 * replace `nessieEndpoint` with the local Nessie's.
 */
export const DOCKER_NESSIE_SOURCE_SETTINGS = {
    nessieEndpoint: "http://nessie:19120/api/v2",
    nessieAuthType: "NONE",
    storageProvider: "AWS",
    credentialType: "ACCESS_KEY",
    awsAccessKey: "lakehouse",
    awsRootPath: "/warehouse",
    secure: false,
};

/** A DremioAdmin resource's inputs for the first admin `admin` on the Dremio (or stand-in) at `url`. */
export function dremioAdminInputs(url: string, password: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
    return {
        url,
        userName: "admin",
        password,
        firstName: "Lakehouse",
        lastName: "Admin",
        email: "admin@lakehouse.local",
        waitTimeoutSeconds: 30,
        version: 1,
        ...extra,
    };
}
