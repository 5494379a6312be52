// Draft fields the mock 4.4.0 drops on create and commercetools keeps. Standalone prices: key,
// tiers, customer group, a channel given by key, custom fields (the mock keeps only an id-given
// channel); discount codes: key, and `isActive: false` (the mock stores `false || true`);
// customers: salutation and customer group; states: no transitions stays no transitions (any
// transition allowed), where the mock stores [] (a final state).
// Without them a resource created by a push differs from its draft the next time.
import { ctError } from "./mock-internals.mjs";
import { ctMock, storage } from "./mock-app.mjs";

const money = (value) => ({
	type: "centPrecision",
	currencyCode: value.currencyCode,
	centAmount: value.centAmount,
	fractionDigits: value.fractionDigits ?? 2,
});

/** An id reference for a draft's reference by id or key (ResourceNotFound when absent). */
const reference = async (projectKey, typeId, identifier) => {
	const found = await storage.getByResourceIdentifier(projectKey, { typeId, ...identifier });
	return { typeId, id: found.id };
};

const keptFields = async (projectKey, draft, created) => {
	const fields = {};
	if (draft.key) fields.key = draft.key;
	if (draft.tiers?.length) {
		fields.tiers = draft.tiers.map((t) => ({ minimumQuantity: t.minimumQuantity, value: money(t.value) }));
	}
	if (draft.customerGroup) {
		fields.customerGroup = await reference(projectKey, "customer-group", draft.customerGroup);
	}
	if (draft.channel && !created.channel) {
		fields.channel = await reference(projectKey, "channel", draft.channel);
	}
	if (draft.custom?.type) {
		const type = await reference(projectKey, "type", draft.custom.type);
		fields.custom = { type, fields: draft.custom.fields ?? {} };
	}
	return fields;
};

const discountCodeFields = async (_projectKey, draft) => {
	const fields = {};
	if (draft.key) fields.key = draft.key;
	if (draft.isActive === false) fields.isActive = false;
	return fields;
};

const wrapCreate = (typeId, fieldsOf) => {
	const repository = ctMock._repositories[typeId];
	const create = repository.create.bind(repository);
	repository.create = async (context, draft) => {
		const created = await create(context, draft);
		const fields = await fieldsOf(context.projectKey, draft, created);
		if (Object.keys(fields).length === 0) return created;
		const complete = { ...created, ...fields };
		await storage.add(context.projectKey, typeId, complete);
		return complete;
	};
};

const customerFields = async (projectKey, draft) => {
	const fields = {};
	if (draft.salutation) fields.salutation = draft.salutation;
	if (draft.customerGroup) {
		fields.customerGroup = await reference(projectKey, "customer-group", draft.customerGroup);
	}
	return fields;
};

/** Wrap the repositories whose create drops draft fields. */
export const keepDraftFields = () => {
	wrapCreate("standalone-price", keptFields);
	wrapCreate("discount-code", discountCodeFields);
	wrapCreate("customer", customerFields);
	const states = ctMock._repositories.state;
	const createState = states.create.bind(states);
	states.create = async (context, draft) => {
		const created = await createState(context, draft);
		if (draft.transitions != null) return created;
		const { transitions, ...anyTransition } = created;
		await storage.add(context.projectKey, "state", anyTransition);
		return anyTransition;
	};
};

/**
 * A create whose key is taken is refused as commercetools refuses it (400 DuplicateField); the
 * mock 4.4.0 stores a second product, category, ... with the same key. Custom objects are the
 * exception: a POST of a taken container and key updates that object.
 */
export const refuseDuplicateKeys = () => {
	for (const [typeId, repository] of Object.entries(ctMock._repositories)) {
		if (typeId === "key-value-document" || typeof repository?.create !== "function") continue;
		const create = repository.create.bind(repository);
		repository.create = async (context, draft) => {
			if (typeof draft?.key === "string" && draft.key) {
				const taken = await storage.getByKey(context.projectKey, typeId, draft.key);
				if (taken) {
					const message = `A duplicate value '"${draft.key}"' exists for field 'key'.`;
					throw ctError(400, "DuplicateField", message, {
						field: "key",
						duplicateValue: draft.key,
					});
				}
			}
			return create(context, draft);
		};
	}
};
