// Local commercetools stand-in: @labdigital/commercetools-mock behind an adapter that adds what
// the real API does and the published mock lacks (see /sandbox/README.md for the full contract):
// real client-credential checks and scopes, `sort` before paging, limit/offset caps,
// `withTotal=false`, queries that do not clone the whole store, in-process seeding, fault
// injection and request stats. Configuration comes from SANDBOX_* environment variables; the
// adapter's modules are in ./adapter. This entry point builds the app, starts and stops it.
import { EXIT_ON_STDIN_EOF, log, PORT, PROJECT_KEY, SEED_PATH } from "./adapter/config.mjs";
import { registerControl } from "./adapter/control.mjs";
import { keepDraftFields, refuseDuplicateKeys } from "./adapter/drafts.mjs";
import { registerGraphql } from "./adapter/graphql.mjs";
import { loseAnswer } from "./adapter/faults.mjs";
import { onRequest, preHandler, projectWithSlash } from "./adapter/hooks.mjs";
import { app } from "./adapter/mock-app.mjs";
import { omitTotal } from "./adapter/query-params.mjs";
import { applyProject, loadSeedFile } from "./adapter/seeding.mjs";
import { manageSubscriptions } from "./adapter/subscriptions.mjs";
import { keepAnswer, recordWrite } from "./adapter/writes.mjs";

registerControl(app);
keepDraftFields();
refuseDuplicateKeys();
manageSubscriptions();
app.get("/:projectKey/", projectWithSlash);
registerGraphql(app);
app.addHook("onRequest", onRequest);
app.addHook("preHandler", preHandler);
app.addHook("preSerialization", omitTotal);
// Last of its kind: a write's answer as sent, so that its messages need not parse it again.
app.addHook("preSerialization", keepAnswer);
// Messages and notifications first: a write whose answer is then lost was still committed.
app.addHook("onSend", recordWrite);
app.addHook("onSend", loseAnswer);

const shutdown = async (code = 0) => {
	try {
		await app.close();
	} finally {
		process.exit(code);
	}
};
process.on("SIGTERM", () => shutdown(0));
process.on("SIGINT", () => shutdown(0));
if (EXIT_ON_STDIN_EOF) {
	// The Python wrapper holds our stdin: when it dies, so do we (no orphans).
	process.stdin.on("end", () => shutdown(0));
	process.stdin.on("error", () => shutdown(0));
	process.stdin.resume();
}

async function main() {
	await applyProject({});
	const { seeded, seedMs } = SEED_PATH
		? await loadSeedFile(SEED_PATH)
		: { seeded: {}, seedMs: 0 };
	await app.listen({ port: PORT, host: "127.0.0.1" });
	const port = app.server.address().port;
	log(`listening on http://127.0.0.1:${port}/${PROJECT_KEY}`);
	process.stdout.write(
		`${JSON.stringify({ event: "ready", port, projectKey: PROJECT_KEY, seeded, seedMs })}\n`,
	);
}

main().catch((err) => {
	if (err?.code === "EADDRINUSE") {
		// One line a person can act on; the wrapper shows it as it is.
		process.stderr.write(
			`[sandbox] port ${PORT} on 127.0.0.1 is taken (another sandbox or server): ` +
				"start it on another (--port N or SANDBOX_PORT=N; 0 picks a free one) or stop that one\n",
		);
	} else {
		process.stderr.write(`[sandbox] failed to start: ${err?.stack ?? err}\n`);
	}
	process.exit(1);
});
