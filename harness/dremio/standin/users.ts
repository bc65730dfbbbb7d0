/**
 * Users: the first-user bootstrap (the only way a user is created here, with its home space) and the
 * slice of the v3 user API clients use to update a profile or password. Follows
 * (github.com/dremio/dremio-oss):
 *     dac/backend/src/main/java/com/dremio/dac/resource/BootstrapResource.java (once only, ERROR_MSG, validation error = 400),
 *     dac/backend/src/main/java/com/dremio/dac/model/usergroup/{UserForm,UserUI,UserName}.java,
 *     services/users/src/main/java/com/dremio/service/users/{SimpleUserService,SimpleUser,UserServiceUtils}.java,
 *     dac/backend/src/main/java/com/dremio/dac/api/{UserResource,User}.java
 */
import * as crypto from "crypto";
import { assertValidPassword, saltedPasswordHash } from "./auth";
import { StandinContext } from "./context";
import { genericError, genericErrorWithTrace, userException } from "./errors";
import { newTag, StoredHome, StoredUser } from "./store";

/** BootstrapResource.ERROR_MSG: the answer to a bootstrap once a user exists. */
export const FIRST_USER_ERROR_MSG = "First user can only be created when no user is already registered";

/** UserUI.userConfig: the user as the bootstrap answers it. */
function userConfigJson(u: StoredUser) {
    return {
        uid: { id: u.uid },
        userName: u.userName,
        firstName: u.firstName,
        lastName: u.lastName,
        email: u.email,
        createdAt: u.createdAt,
        modifiedAt: u.modifiedAt,
        active: u.active,
    };
}

/** User.java: the user as the v3 user API answers it (a user stored without a tag gets one). */
function userJson(u: StoredUser) {
    u.tag ??= newTag({ uid: u.uid, modifiedAt: u.modifiedAt });
    return { id: u.uid, name: u.userName, firstName: u.firstName, lastName: u.lastName, email: u.email, tag: u.tag, active: u.active };
}

const userNotFound = (what: string) => genericError(404, `User ${what} not found`);

/** PUT /apiv2/bootstrap/firstuser: creates the first (admin) user and its home space, once; answers a UserUI. */
export async function bootstrapFirstUser(ctx: StandinContext, body: Record<string, unknown>) {
    const { store } = ctx;
    if (store.users.length > 0) throw userException("validation", FIRST_USER_ERROR_MSG);
    // new UserName(...) in BootstrapResource, then SimpleUserService.createUser's checks.
    const userName = body.userName;
    if (userName === undefined || userName === null) throw genericError(500, "Something went wrong.");
    if (typeof userName !== "string") throw genericErrorWithTrace(400, "Invalid value found at: userName");
    if (userName.includes('"') || userName.includes(":")) {
        throw genericError(400, `Username “${userName}” can not contain quotes or colons.`);
    }
    if (userName === "") throw userException("validation", "Invalid username: can not contain quotes or colons.");
    const password = body.password;
    assertValidPassword(password);
    const now = Date.now();
    const user: StoredUser = {
        uid: crypto.randomUUID(),
        userName,
        firstName: typeof body.firstName === "string" ? body.firstName : undefined,
        lastName: typeof body.lastName === "string" ? body.lastName : undefined,
        email: typeof body.email === "string" ? body.email : undefined,
        createdAt: now,
        modifiedAt: now,
        active: true,
        ...saltedPasswordHash(password),
    };
    store.users.push(user);
    const home: StoredHome = { id: crypto.randomUUID(), tag: "", owner: userName, ctime: now };
    home.tag = newTag(home);
    store.homes.push(home);
    ctx.persist();
    ctx.log(`first user ${userName} created`);
    return {
        resourcePath: `/user/${userName}`,
        userName,
        userConfig: userConfigJson(user),
        name: userName,
        id: user.uid,
        links: { self: `/user/${userName}` },
    };
}

/** GET /api/v3/user/by-name/{name}; 404 when there is no such user. */
export function userByName(ctx: StandinContext, name: string) {
    const u = ctx.store.users.find((x) => x.userName === name);
    if (!u) throw userNotFound(name);
    return userJson(u);
}

/** GET /api/v3/user/{id}; 404 when there is no such user. */
export function userById(ctx: StandinContext, id: string) {
    const u = ctx.store.users.find((x) => x.uid === id);
    if (!u) throw userNotFound(id);
    return userJson(u);
}

/** PUT /api/v3/user/{id} by `caller`: profile fields and an optional new password, given the current tag; answers the user with a new tag. */
export async function updateUser(ctx: StandinContext, caller: StoredUser, id: string, body: Record<string, unknown>) {
    const u = ctx.store.users.find((x) => x.uid === id);
    if (!u) throw userNotFound(id);
    // Only the first user exists here, and it is an admin: no "not allowed to update" case.
    if (caller.userName !== u.userName && !caller.active) throw genericError(403, `User ${caller.userName} is not allowed to update user ${u.userName}`);
    if (body.name !== u.userName) throw genericError(415, "Changing of user name is not supported");
    // SimpleUserService.updateUser: the stored version must match the given tag.
    if (body.tag !== userJson(u).tag)
        throw genericError(409, `User ${u.userName} has been updated by another request (current tag: ${u.tag}, given: ${String(body.tag)})`);
    if (body.password !== undefined && body.password !== null) {
        assertValidPassword(body.password);
        Object.assign(u, saltedPasswordHash(body.password));
    }
    for (const k of ["firstName", "lastName", "email"] as const) if (typeof body[k] === "string") u[k] = body[k] as string;
    u.modifiedAt = Date.now();
    u.tag = newTag({ uid: u.uid, modifiedAt: u.modifiedAt });
    ctx.persist();
    return userJson(u);
}
