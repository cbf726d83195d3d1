// The Node peer in `make bench`: what a Node shop would run. Node's `web-push`, with a
// keep-alive HTTPS agent and 32 requests in flight, sends one message to each
// subscription and prints one JSON line: {"sent", "failed", "rate"}.
//
//   node bench/node_peer.mjs SUBSCRIPTIONS.jsonl PAYLOAD.json PUBLIC_KEY PRIVATE_KEY SUBJECT
//
// The push service's certificate is trusted through NODE_EXTRA_CA_CERTS.

import { readFileSync } from "node:fs";
import https from "node:https";
import webpush from "web-push";

const IN_FLIGHT = 32;
const [subscriptionsFile, payloadFile, publicKey, privateKey, subject] = process.argv.slice(2);
const subscriptions = readFileSync(subscriptionsFile, "utf8").trim().split("\n").map((line) => JSON.parse(line));
const payload = readFileSync(payloadFile, "utf8");
const agent = new https.Agent({ keepAlive: true, maxSockets: IN_FLIGHT });
webpush.setVapidDetails(subject, publicKey, privateKey);

let next = 0;
let sent = 0;
let failed = 0;

async function sender() {
  while (next < subscriptions.length) {
    const { endpoint, p256dh, auth } = subscriptions[next++];
    try {
      await webpush.sendNotification({ endpoint, keys: { p256dh, auth } }, payload,
        { TTL: 3600, urgency: "normal", agent, contentEncoding: "aes128gcm" });
      sent += 1;
    } catch (error) {
      failed += 1;
      if (failed <= 3) console.error(error.message);
    }
  }
}

const started = process.hrtime.bigint();
await Promise.all(Array.from({ length: IN_FLIGHT }, sender));
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
console.log(JSON.stringify({ sent, failed, rate: sent / seconds }));
agent.destroy();
