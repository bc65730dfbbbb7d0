/**
 * Login sessions: POST /apiv2/login (a token and the UserLoginSession answer), GET (is the token
 * valid) and DELETE (logout). Follows (github.com/dremio/dremio-oss):
 *     dac/backend/src/main/java/com/dremio/dac/resource/LogInLogOutResource.java,
 *     dac/backend/src/main/java/com/dremio/dac/model/usergroup/{UserLoginSession,SessionPermissions}.java,
 *     services/users/src/main/java/com/dremio/service/users/UserLoginException.java
 */
import { newToken, passwordMatches, tokenFromHeader } from "./auth";
import { StandinContext } from "./context";
import { genericErrorWithTrace } from "./errors";

/** The Dremio release whose sources this stand-in follows. */
export const FOLLOWS_DREMIO_VERSION = "25.2.0";

/** SessionPermissions: all true except canChatForSupport (Dremio takes the first four from support options). */
const SESSION_PERMISSIONS = {
    canUploadProfiles: true,
    canDownloadProfiles: true,
    canEmailForSupport: true,
    canChatForSupport: false,
    canViewAllJobs: true,
    canCreateUser: true,
    canCreateRole: true,
    canCreateSource: true,
    canUploadFile: true,
    canManageNodeActivity: true,
    canManageEngines: true,
    canManageQueues: true,
    canManageEngineRouting: true,
    canManageSupportSettings: true,
    canConfigureSecurity: true,
    canRunDiagnostic: true,
};

/** POST /apiv2/login with `{userName, password}`: a new token (expired ones are dropped) and the UserLoginSession; 401 GenericErrorMessage on a bad login. */
export function login(ctx: StandinContext, body: Record<string, unknown>) {
    const { store } = ctx;
    const userName = body.userName;
    const password = body.password;
    if (typeof userName !== "string" || userName === "" || typeof password !== "string" || password === "") {
        throw genericErrorWithTrace(401, "user name or password cannot be null or empty");
    }
    const user = store.users.find((u) => u.userName === userName);
    const ok = user && user.active && passwordMatches(user, password);
    if (!user || !ok) throw genericErrorWithTrace(401, `Login failed: Invalid username or password, user ${userName}`);
    const token = newToken();
    const expires = Date.now() + ctx.tokenTtlMs;
    store.tokens[token] = { userName, expiresAt: expires };
    for (const [t, v] of Object.entries(store.tokens)) if (v.expiresAt < Date.now()) delete store.tokens[t];
    ctx.persist();
    return {
        token,
        userName,
        firstName: user.firstName,
        lastName: user.lastName,
        expires,
        email: user.email,
        userId: user.uid,
        admin: true,
        userCreatedAt: user.createdAt,
        clusterId: store.clusterId,
        clusterCreatedAt: store.clusterCreatedAt,
        version: `${FOLLOWS_DREMIO_VERSION} (Dremio REST stand-in, not Dremio)`,
        permissions: { ...SESSION_PERMISSIONS },
    };
}

/** DELETE /apiv2/login: invalidates the token the Authorization header carries, if it is one. */
export function logout(ctx: StandinContext, authorization: string | undefined): void {
    const token = tokenFromHeader(authorization);
    if (token && ctx.store.tokens[token]) {
        delete ctx.store.tokens[token];
        ctx.persist();
    }
}
