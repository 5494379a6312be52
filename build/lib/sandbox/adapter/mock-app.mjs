// The process's one CommercetoolsMock, its storage and its Fastify app: the owner of the stored
// data. Every other module reaches them through these exports.
import { CommercetoolsMock } from "@labdigital/commercetools-mock";

import { PROJECT_KEY } from "./config.mjs";
import { SandboxStorage } from "./storage.mjs";

export const storage = new SandboxStorage();
export const ctMock = new CommercetoolsMock({
	enableAuthentication: true,
	// We validate tokens ourselves (scopes, expiry, revocation); the mock's middleware then only
	// fills createdBy/lastModifiedBy from the token's client id.
	validateCredentials: false,
	defaultProjectKey: PROJECT_KEY,
	storage,
	silent: true,
	strict: false,
});
export const app = ctMock.app;
