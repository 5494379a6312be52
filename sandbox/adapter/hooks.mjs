// What the adapter does around the mock's own routes: the hooks every request passes through,
// and the project route with a trailing slash.
import { randomUUID } from "node:crypto";

import { bearerGrant, checkClient, checkScope, tokenEndpoint } from "./auth.mjs";
import { isControl } from "./control.mjs";
import { serveFast } from "./fast-path.mjs";
import { matchingFault, serveFault } from "./faults.mjs";
import { acceptGraphql, isGraphql } from "./graphql.mjs";
import { serveMessages } from "./messages.mjs";
import { storage } from "./mock-app.mjs";
import { checkPaging, passSortAndTotal } from "./query-params.mjs";
import { sendJson } from "./replies.mjs";
import { countRequest } from "./stats.mjs";
import { checkVersion } from "./versions.mjs";

/** A wrong auth URL (e.g. with a path prefix): the auth server has no such endpoint. */
const noTokenEndpoint = (reply, path) => {
	const message = `No endpoint at ${path}: the token endpoint is /oauth/token.`;
	return sendJson(reply, 404, {
		statusCode: 404,
		message,
		errors: [{ code: "ResourceNotFound", message }],
	});
};

/** An API GET past auth: its query checked and passed on, then /messages (ours) or the fast
 * path if it applies. */
const apiGet = (request, reply, grant, projectKey, path) => {
	const query = request.query;
	const refused = checkPaging(query, reply) ?? passSortAndTotal(query, reply);
	if (refused) return refused;
	const segments = path.split("/").filter(Boolean).slice(1).map(decodeURIComponent);
	if (segments[0] === "messages") return serveMessages(reply, grant, projectKey, segments, query);
	return serveFast(reply, projectKey, path, query);
};

/**
 * Every API and token request: counted, maybe faulted, authenticated, its query checked. A step
 * that answers the request ends it here (the mock's handler does not run).
 */
export const onRequest = async (request, reply) => {
	const url = request.url;
	if (isControl(url)) return;
	countRequest(request, reply);
	reply.header("x-correlation-id", request.headers["x-correlation-id"] || randomUUID());

	// Faults first: a gateway in front of commercetools fails before auth does.
	const rule = matchingFault(request);
	if (rule && (await serveFault(rule, request, reply))) return;

	const path = url.split("?", 1)[0];
	if (path.endsWith("/oauth/token") && path !== "/oauth/token") {
		return noTokenEndpoint(reply, path);
	}
	// Before the mock's own oauth hooks, which accept any client.
	if (url.startsWith("/oauth/")) return checkClient(request, reply);

	const grant = bearerGrant(request, reply);
	if (!grant) return;
	const projectKey = decodeURIComponent(path.split("/")[1] || "");
	// GraphQL reads by POST, so not checkScope's write rule: its fields check their own scopes.
	if (isGraphql(request, path)) return acceptGraphql(request, reply, grant, projectKey);
	if (checkScope(request, reply, grant, projectKey)) return;
	if (request.method === "GET") return apiGet(request, reply, grant, projectKey, path);
};

/** Version checks for API writes; the token endpoint (only grantable scopes, our token store). */
export const preHandler = async (request, reply) => {
	if (!request.url.startsWith("/oauth/")) return checkVersion(request, reply);
	// Credentials were checked in onRequest; customer/anonymous token flows stay the mock's.
	if (request.routeOptions.url !== "/oauth/token") return;
	return tokenEndpoint(request, reply);
};

/** `GET /<project>/` (what httpx sends for get("") on a base URL): the project, as without "/". */
export const projectWithSlash = async (request, reply) => {
	const { projectKey } = request.params;
	if (projectKey.startsWith("_")) return reply.callNotFound();
	const project = await storage.getProject(projectKey);
	if (project.externalOAuth?.authorizationHeader) project.externalOAuth.authorizationHeader = "****";
	return reply.send(project);
};
