// `… | node scripts/field.mjs <path>`: prints one field of the JSON on stdin
// (`id`, `api_key`, `network_id`, `items.0.id`), for the README's walkthrough
// on machines without jq. Exits 1, saying why, when the field is not there.
let input = '';
process.stdin.on('data', (chunk) => (input += chunk));
process.stdin.on('end', () => {
  const path = process.argv[2] ?? '';
  let value;
  try {
    value = path.split('.').reduce((o, key) => (o == null ? undefined : o[key]), JSON.parse(input));
  } catch {
    value = undefined;
  }
  if (value === undefined || value === null) {
    process.stderr.write(`no "${path}" in: ${input.slice(0, 300)}\n`);
    process.exit(1);
  }
  process.stdout.write(`${typeof value === 'object' ? JSON.stringify(value) : value}\n`);
});
