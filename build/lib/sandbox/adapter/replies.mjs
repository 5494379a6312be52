// JSON answers our hooks send themselves, and the error bodies commercetools' auth answers with.

export const sendJson = (reply, status, body, headers = {}) => {
	reply.code(status).headers(headers).header("content-type", "application/json; charset=utf-8");
	return reply.send(JSON.stringify(body));
};

export const authError = (statusCode, error, message, extra = {}) => ({
	statusCode,
	message,
	errors: [{ code: error, message }],
	error,
	error_description: message,
	...extra,
});

export const INVALID_CLIENT_MESSAGE =
	"Please provide valid client credentials using HTTP Basic Authentication.";

export const insufficientScopeBody = (projectKey) => {
	const message =
		`Insufficient scope. One of the following scopes is missing: manage_project:${projectKey}`;
	return { statusCode: 403, message, errors: [{ code: "insufficient_scope", message }] };
};
