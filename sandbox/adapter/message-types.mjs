// The message types of the Messages API the sandbox records (api-specs/api/types/message in
// commercetools-api-reference): which write of which resource makes which message, with its
// resource-specific fields. A write with no entry here makes no message, as in commercetools,
// where most resources have no deletion message and many update actions none at all.
// Payloads refer to the written resource without copying it: it is the write's own answer
// object (writes.mjs), which nothing changes after it is sent.

/** A product's projection (`staged` or `current` data), as the Product Projections API has it. */
export const productProjection = (product, which) => {
	const data = product.masterData?.[which];
	if (!data) return undefined;
	const { masterData, ...rest } = product;
	return {
		...rest,
		...data,
		published: masterData.published,
		hasStagedChanges: masterData.hasStagedChanges,
	};
};

/** Update action -> [message type, field], the field's value read from the updated customer. */
const CUSTOMER_SETTERS = {
	setFirstName: ["CustomerFirstNameSet", "firstName"],
	setLastName: ["CustomerLastNameSet", "lastName"],
	changeEmail: ["CustomerEmailChanged", "email"],
	setCompanyName: ["CustomerCompanyNameSet", "companyName"],
	setTitle: ["CustomerTitleSet", "title"],
	setDateOfBirth: ["CustomerDateOfBirthSet", "dateOfBirth"],
};

const customerUpdate = (action, customer) => {
	const setter = CUSTOMER_SETTERS[action.action];
	if (!setter) return null;
	const [type, field] = setter;
	return { type, [field]: customer[field] };
};

const CREATED = {
	customer: (r) => ({ type: "CustomerCreated", customer: r }),
	category: (r) => ({ type: "CategoryCreated", category: r }),
	product: (r) => ({ type: "ProductCreated", productProjection: productProjection(r, "staged") }),
	order: (r) => ({ type: "OrderCreated", order: r }),
	review: (r) => ({ type: "ReviewCreated", review: r }),
	"inventory-entry": (r) => ({ type: "InventoryEntryCreated", inventoryEntry: r }),
	payment: (r) => ({ type: "PaymentCreated", payment: r }),
};

const imageUrls = (product) => {
	const data = product.masterData?.staged;
	const variants = data ? [data.masterVariant, ...(data.variants ?? [])] : [];
	return variants.flatMap((v) => (v?.images ?? []).map((image) => image.url));
};

const DELETED = {
	customer: (r) => ({ type: "CustomerDeleted", email: r.email }),
	product: (r) => ({
		type: "ProductDeleted",
		removedImageUrls: imageUrls(r),
		currentProjection: productProjection(r, "current"),
	}),
	order: (r) => ({ type: "OrderDeleted", order: r }),
	"inventory-entry": (r) => ({
		type: "InventoryEntryDeleted",
		sku: r.sku,
		...(r.supplyChannel ? { supplyChannel: r.supplyChannel } : {}),
	}),
};

/** The message payloads (type and its fields) of one successful write, in action order. */
export const messagePayloads = (write) => {
	const { kind, typeId, resource, actions } = write;
	if (kind === "create") {
		const make = CREATED[typeId];
		return make ? [make(resource)] : [];
	}
	if (kind === "delete") {
		const make = DELETED[typeId];
		return make ? [make(resource)] : [];
	}
	if (typeId !== "customer") return [];
	return (actions ?? []).map((a) => customerUpdate(a, resource)).filter(Boolean);
};

/** Message types the sandbox can record, per resource type id (for the README and checks). */
export const MESSAGE_TYPES = {
	customer: [
		"CustomerCreated",
		"CustomerDeleted",
		...Object.values(CUSTOMER_SETTERS).map(([type]) => type),
	],
	category: ["CategoryCreated"],
	product: ["ProductCreated", "ProductDeleted"],
	order: ["OrderCreated", "OrderDeleted"],
	review: ["ReviewCreated"],
	"inventory-entry": ["InventoryEntryCreated", "InventoryEntryDeleted"],
	payment: ["PaymentCreated"],
};
