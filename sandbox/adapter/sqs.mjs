// Sending one message to an AWS SQS queue without an AWS SDK: the SQS JSON protocol
// (`X-Amz-Target: AmazonSQS.SendMessage`, `application/x-amz-json-1.0`, body {QueueUrl,
// MessageBody}) POSTed to the queue URL, signed with AWS Signature Version 4. A destination with
// `authenticationMode: "IAM"` names no key: commercetools signs with its own IAM user; the sandbox
// signs with a placeholder key (moto's server, the queue in tests, checks no signature).
import { createHash, createHmac } from "node:crypto";

const SEND_TIMEOUT_MS = 5000;
const PLACEHOLDER_KEY = { accessKey: "sandbox-iam", accessSecret: "sandbox-iam" };

const sha256 = (data) => createHash("sha256").update(data).digest("hex");
const hmac = (key, data) => createHmac("sha256", key).update(data).digest();

/** `Authorization` for a SigV4-signed POST of `body` to `url` (service sqs). */
const authorization = (url, headers, body, { accessKey, accessSecret }, region, amzDate) => {
	const day = amzDate.slice(0, 8);
	const names = Object.keys(headers).sort();
	const canonicalHeaders = names.map((n) => `${n}:${String(headers[n]).trim()}\n`).join("");
	const signed = names.join(";");
	const canonical = ["POST", url.pathname || "/", "", canonicalHeaders, signed, sha256(body)].join(
		"\n",
	);
	const scope = `${day}/${region}/sqs/aws4_request`;
	const toSign = ["AWS4-HMAC-SHA256", amzDate, scope, sha256(canonical)].join("\n");
	let key = hmac(`AWS4${accessSecret}`, day);
	for (const part of [region, "sqs", "aws4_request"]) key = hmac(key, part);
	const signature = createHmac("sha256", key).update(toSign).digest("hex");
	const credential = `Credential=${accessKey}/${scope}`;
	return `AWS4-HMAC-SHA256 ${credential}, SignedHeaders=${signed}, Signature=${signature}`;
};

/** The credentials a destination signs with. */
const credentials = (destination) =>
	destination.authenticationMode === "IAM" || !destination.accessKey
		? PLACEHOLDER_KEY
		: { accessKey: destination.accessKey, accessSecret: destination.accessSecret ?? "" };

/**
 * Send `messageBody` (a string) to the destination's queue; resolves on success, throws with
 * `permanent: true` when the queue refused it (4xx: no such queue, no permission).
 */
export const sendToSqs = async (destination, messageBody) => {
	const url = new URL(destination.queueUrl);
	const body = JSON.stringify({ QueueUrl: destination.queueUrl, MessageBody: messageBody });
	const amzDate = new Date().toISOString().replace(/[-:]|\.\d{3}/g, "");
	const headers = {
		"content-type": "application/x-amz-json-1.0",
		host: url.host,
		"x-amz-date": amzDate,
		"x-amz-target": "AmazonSQS.SendMessage",
	};
	const region = destination.region || "us-east-1";
	const keys = credentials(destination);
	headers.authorization = authorization(url, headers, body, keys, region, amzDate);
	const { host: _host, ...sent } = headers;
	const response = await fetch(url, {
		method: "POST",
		headers: sent,
		body,
		signal: AbortSignal.timeout(SEND_TIMEOUT_MS),
	});
	const text = await response.text();
	if (response.ok) return text;
	const err = new Error(`SQS SendMessage ${response.status}: ${text.slice(0, 300)}`);
	err.permanent = response.status < 500;
	throw err;
};
