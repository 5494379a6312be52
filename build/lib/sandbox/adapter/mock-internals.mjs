// Mock internals the package does not export (predicate parser, error class). The chunk name is
// hashed, so find it by the functions' own names; the version is pinned in package-lock.json.
// The package resolves from sandbox/node_modules: Node walks up from this folder.
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

async function loadMockInternals() {
	const entry = fileURLToPath(import.meta.resolve("@labdigital/commercetools-mock"));
	const dist = dirname(entry);
	const found = {};
	for (const file of readdirSync(dist)) {
		if (!file.endsWith(".mjs")) continue;
		const mod = await import(pathToFileURL(join(dist, file)).href);
		for (const value of Object.values(mod)) {
			if (typeof value === "function" && value.name) found[value.name] ??= value;
		}
	}
	for (const name of ["parseQueryExpression", "CommercetoolsError"]) {
		if (!found[name]) {
			throw new Error(`commercetools-mock internals changed: ${name} not found in ${dist}`);
		}
	}
	return found;
}

export const { parseQueryExpression, CommercetoolsError } = await loadMockInternals();

export const ctError = (statusCode, code, message, extra = {}) =>
	new CommercetoolsError({ code, message, ...extra }, statusCode);

export const invalidInput = (message) => ctError(400, "InvalidInput", message);
