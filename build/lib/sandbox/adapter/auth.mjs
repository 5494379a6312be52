// Auth: our own token store, because the mock hands a token to any client id and never expires,
// revokes or scopes one. This module owns the tokens.
import { randomBytes } from "node:crypto";

import { ALLOWED_SCOPES, CLIENT_ID, CLIENT_SECRET, TOKEN_TTL } from "./config.mjs";
import { ctMock } from "./mock-app.mjs";
import { authError, insufficientScopeBody, INVALID_CLIENT_MESSAGE, sendJson } from "./replies.mjs";
import { stats } from "./stats.mjs";

const tokens = new Map(); // access_token -> { clientId, scopes: string[], expiresAt }

/** Forget every token issued so far; how many there were. */
export const revokeTokens = () => {
	const revoked = tokens.size;
	tokens.clear();
	return revoked;
};

const parseBasic = (header) => {
	const match = /^Basic\s+(\S+)$/i.exec(header || "");
	if (!match) return null;
	const decoded = Buffer.from(match[1], "base64").toString("utf8");
	const idx = decoded.indexOf(":");
	if (idx < 0) return null;
	return { clientId: decoded.slice(0, idx), clientSecret: decoded.slice(idx + 1) };
};

const scopeProject = (scope) => {
	const idx = scope.lastIndexOf(":");
	return idx < 0 ? null : scope.slice(idx + 1);
};

/** A requested scope is grantable if allowed as is, or narrower than an allowed manage_project. */
const grantable = (scope) =>
	ALLOWED_SCOPES.includes(scope) ||
	(/^(view|manage)_[a-z_]+:[^:\s]+$/.test(scope) &&
		ALLOWED_SCOPES.includes(`manage_project:${scopeProject(scope)}`));

const bearerToken = (request) => {
	const match = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization || "");
	return match ? match[1] : null;
};

/** 401 `invalid_client` unless the request carries the configured client's credentials. */
export const checkClient = (request, reply) => {
	const creds = parseBasic(request.headers.authorization);
	if (!creds || creds.clientId !== CLIENT_ID || creds.clientSecret !== CLIENT_SECRET) {
		return sendJson(reply, 401, authError(401, "invalid_client", INVALID_CLIENT_MESSAGE));
	}
};

/** The grant of the request's bearer token if it is one of ours and live; else 401 and null. */
export const bearerGrant = (request, reply) => {
	const token = bearerToken(request);
	if (!token) {
		const message =
			"This endpoint requires an access token. You can get one from the authorization server.";
		sendJson(reply, 401, authError(401, "invalid_token", message));
		return null;
	}
	const grant = tokens.get(token);
	if (!grant || grant.expiresAt <= Date.now()) {
		if (grant) tokens.delete(token);
		sendJson(reply, 401, authError(401, "invalid_token", "invalid_token"));
		return null;
	}
	return grant;
};

/** 403 `insufficient_scope` unless the grant's scopes cover the project (writes: manage_*). */
export const checkScope = (request, reply, grant, projectKey) => {
	const projectScopes = grant.scopes.filter((s) => scopeProject(s) === projectKey);
	const write = request.method !== "GET" && request.method !== "HEAD";
	const covered = write
		? projectScopes.some((s) => s.startsWith("manage_"))
		: projectScopes.length > 0;
	if (!covered) return sendJson(reply, 403, insufficientScopeBody(projectKey));
};

/** The 400 body for a grant type we do not grant, or null. */
const grantTypeRefusal = (grantType) => {
	if (!grantType) {
		return authError(400, "invalid_request", "Missing required parameter: grant_type.");
	}
	if (grantType !== "client_credentials") {
		return authError(
			400,
			"unsupported_grant_type",
			`Invalid parameter: grant_type: Invalid grant type: ${grantType}`,
		);
	}
	return null;
};

/** POST /oauth/token, credentials checked: a token for the scopes asked (default: all allowed). */
export const tokenEndpoint = (request, reply) => {
	const body = request.body && typeof request.body === "object" ? request.body : {};
	const param = (name) => {
		const v = body[name] ?? request.query[name];
		return Array.isArray(v) ? v.join(" ") : v;
	};
	const refused = grantTypeRefusal(param("grant_type"));
	if (refused) return sendJson(reply, 400, refused);
	const requested = String(param("scope") ?? "")
		.split(/\s+/)
		.filter(Boolean);
	const bad = requested.filter((s) => !grantable(s));
	if (bad.length) {
		const message = `Invalid scope: ${bad.join(" ")}`;
		return sendJson(reply, 400, authError(400, "invalid_scope", message));
	}

	const scopes = requested.length ? [...new Set(requested)] : [...ALLOWED_SCOPES];
	const accessToken = randomBytes(24).toString("base64url");
	tokens.set(accessToken, { clientId: CLIENT_ID, scopes, expiresAt: Date.now() + TOKEN_TTL * 1000 });
	// Let the mock's middleware map the token to our client id for createdBy/lastModifiedBy.
	ctMock.authStore().tokenClientMap?.set(accessToken, CLIENT_ID);
	stats.tokens_issued++;
	return sendJson(reply, 200, {
		access_token: accessToken,
		token_type: "Bearer",
		expires_in: TOKEN_TTL,
		scope: scopes.join(" "),
	});
};
