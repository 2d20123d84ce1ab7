// Reads what `kumactl install control-plane` renders (the real Helm chart) and writes what a
// kuma-cp outside the cluster needs from it:
//   node kuma-chart.js <chart.yaml> env                       the Deployment's env, K=V per line
//   node kuma-chart.js <chart.yaml> webhooks <url> <ca> <tag>  the chart's webhook configurations,
//        pointed at <url><path> with CA bundle <ca> and renamed/labelled <tag>-<name>, as YAML
// Only clientConfig and names change, so admission checks exactly what the chart registers.
const fs = require("fs");
const YAML = require("yaml");

const [chartFile, what, url, caFile, tag] = process.argv.slice(2);
const docs = YAML.parseAllDocuments(fs.readFileSync(chartFile, "utf8"))
    .map(d => d.toJS())
    .filter(Boolean);

if (what === "env") {
    const deployment = docs.find(d => d.kind === "Deployment");
    if (!deployment) throw new Error(`${chartFile}: no Deployment`);
    for (const c of deployment.spec.template.spec.containers) {
        for (const e of c.env ?? []) if ("value" in e) console.log(`${e.name}=${e.value}`);
    }
} else if (what === "webhooks") {
    const caBundle = fs.readFileSync(caFile).toString("base64");
    const out = docs
        .filter(d => d.kind === "MutatingWebhookConfiguration" || d.kind === "ValidatingWebhookConfiguration")
        .map(d => ({
            ...d,
            metadata: { name: `${tag}-${d.metadata.name}`, labels: { "mesh-dr.sandbox/kuma-cp": tag } },
            webhooks: d.webhooks.map(w => ({
                ...w,
                clientConfig: { url: `${url}${w.clientConfig.service?.path ?? "/"}`, caBundle },
            })),
        }));
    if (out.length === 0) throw new Error(`${chartFile}: no webhook configurations`);
    process.stdout.write(out.map(d => YAML.stringify(d)).join("---\n"));
} else {
    throw new Error(`usage: kuma-chart.js <chart.yaml> env | webhooks <url> <ca file> <tag>`);
}
